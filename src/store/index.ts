// Public API of the store: the only module that opens IndexedDB. Every accessor takes the
// connection from openStudioDb() first and throws StoreError on failure.
export * from './schema';
export { StoreError, isQuotaError, type StoreErrorKind } from './errors';
export {
  openStudioDb,
  closeStudioDb,
  deleteStudioDb,
  onStoreEvent,
  type StudioDb,
  type StoreEvent,
} from './db';
export * from './datasets';
export * from './labels';
export * from './runs';
export * from './models';
export * from './maintenance';
export * from './storage';
export { CHUNK } from './tx';
