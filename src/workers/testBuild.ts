/**
 * Bench and test hooks answer only in a build made with FKD_TEST_HOOKS=1 (e2e and bench builds):
 * the product build keeps no door for driving its workers from outside the UI.
 */
export function requireTestBuild(what: string): void {
  if (!__FKD_TEST_HOOKS__) throw new Error(`${what} is a bench/test hook: this build has none`);
}
