/** True only in a build made with FKD_TEST_HOOKS=1 (e2e, benches): vite.config.ts defines it. */
declare const __FKD_TEST_HOOKS__: boolean;
