// Record factories and DB-name helper for the store's Vitest suites (not used by the app).
import { DEFAULT_TRAIN_CONFIG } from '../core/recipe';
import type { Checkpoint, Dataset, LabelSet, Run } from './schema';

let dbCounter = 0;

/** A database name no other test uses, so tests never see each other's rows. */
export function freshDbName(): string {
  dbCounter += 1;
  return `fkd-test-${dbCounter}-${Math.random().toString(36).slice(2)}`;
}

export function makeDataset(id: string, createdAt = 1): Dataset {
  return {
    id,
    name: `dataset ${id}`,
    source: 'folder',
    layout: 'imagefolder',
    numClasses: 2,
    classes: [
      { index: 0, name: 'cat', folder: 'cat' },
      { index: 1, name: 'dog', folder: 'dog', wnid: 'n02084071' },
    ],
    counts: { train: 0, val: 0 },
    skipped: [{ path: 'cat/broken.jpg', reason: 'decode failed' }],
    createdAt,
    updatedAt: createdAt,
  };
}

export function makeLabelSet(id: string, datasetId: string, createdAt = 1): LabelSet {
  return {
    id,
    datasetId,
    teacherId: 'teacher-1',
    name: `labels ${id}`,
    settings: {
      numCrops: 4,
      codec: 'msTopK',
      k: 5,
      precision: 'f16',
      temperature: 1,
      scale: [0.35, 1],
      ratio: [0.75, 1.3333],
      seed: 42,
      inputSize: 224,
    },
    numClasses: 2,
    imagesDone: 0,
    imagesTotal: 100,
    bytes: 0,
    status: 'pending',
    createdAt,
    updatedAt: createdAt,
  };
}

export function makeRun(id: string, createdAt = 1): Run {
  return {
    id,
    name: `run ${id}`,
    method: 'fkd',
    datasetId: 'd1',
    labelSetId: 'ls1',
    config: { ...DEFAULT_TRAIN_CONFIG, method: 'fkd', datasetId: 'd1', labelSetId: 'ls1', seed: 7 },
    seed: 7,
    status: 'running',
    history: [],
    createdAt,
    updatedAt: createdAt,
  };
}

export function makeCheckpoint(runId: string, step: number): Checkpoint {
  const data = new Float32Array([step, step + 0.5]).buffer;
  return {
    runId,
    step,
    createdAt: step,
    weights: [{ name: 'dense/kernel', shape: [2], dtype: 'float32', data }],
    optimizer: [{ name: 'iter', shape: [], data: new Float32Array([step]).buffer }],
    rngState: { s: [1, 2, 3, step] },
    cursor: { epoch: 0, position: step },
    epoch: 0,
    pass: 1,
  };
}

/** A label record whose bytes identify the image, so tests can check which record came back. */
export function recordFor(imageIndex: number, length = 16): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (imageIndex + i) & 0xff;
  return bytes;
}

/**
 * Watches every getAll / getAllKeys (object stores and indexes) until `stop()`: the most rows one read
 * returned, and how many reads there were. A view that loads a whole set shows up as one huge read.
 */
export function watchStoreReads(): { largest: () => number; reads: () => number; stop: () => void } {
  let largest = 0;
  let reads = 0;
  const restore: (() => void)[] = [];
  for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype] as unknown as Record<
    string,
    unknown
  >[]) {
    for (const name of ['getAll', 'getAllKeys']) {
      const original = proto[name] as (...a: unknown[]) => IDBRequest<unknown[]>;
      proto[name] = function (this: unknown, ...a: unknown[]) {
        const req = original.apply(this, a);
        req.addEventListener('success', () => {
          reads++;
          largest = Math.max(largest, req.result.length);
        });
        return req;
      };
      restore.push(() => (proto[name] = original));
    }
  }
  return {
    largest: () => largest,
    reads: () => reads,
    stop: () => restore.forEach((r) => r()),
  };
}
