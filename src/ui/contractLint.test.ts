/**
 * The UI <-> worker contract is enforced by ESLint (eslint.config.js): this runs the project's own
 * config on small fixture imports, as if they were UI (or worker) files, and checks what it reports.
 */
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const RULE = '@typescript-eslint/no-restricted-imports';
const eslint = new ESLint({ cwd: resolve(__dirname, '../..') });

/** The contract rule's messages for `code` linted as the file `filePath` (relative to the repo). */
async function contractErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('ESLint: the UI imports worker code only through workers/api.ts', () => {
  it('fails a UI import of worker internals, value or type', async () => {
    const value = "import { runTraining } from '../workers/train';\nvoid runTraining;\n";
    expect(await contractErrors(value, 'src/ui/fixture.ts')).toEqual([
      expect.stringContaining('only from workers/api.ts'),
    ]);
    const type =
      "import type { TrainSession } from '../../workers/session';\nexport type T = TrainSession;\n";
    expect(await contractErrors(type, 'src/ui/views/Fixture.tsx')).toHaveLength(1);
  });

  it('fails a UI value import of a worker entry or of tfjs code, and passes their types via the contract', async () => {
    const worker = "import { api } from '../workers/trainer.worker';\nvoid api;\n";
    expect(await contractErrors(worker, 'src/ui/fixture.ts')).toEqual([
      expect.stringContaining('`import type` only'),
    ]);
    const engine =
      "import type { GradParityReport } from '../engine/gradParity';\nexport type G = GradParityReport;\n";
    expect(await contractErrors(engine, 'src/ui/fixture.ts')).toEqual([
      expect.stringContaining('tfjs code stays in the workers'),
    ]);
    const fine = [
      "import type { TrainerWorkerApi } from '../workers/trainer.worker';",
      "import { jobId, type GradParityReport } from '../workers/api';",
      "import { guarded } from './workers';",
      'export type T = [TrainerWorkerApi, GradParityReport];',
      'void jobId;',
      'void guarded;',
      '',
    ].join('\n');
    expect(await contractErrors(fine, 'src/ui/fixture.ts')).toEqual([]);
  });

  it('leaves the workers themselves free to import each other', async () => {
    const inside = "import { runTraining } from './train';\nvoid runTraining;\n";
    expect(await contractErrors(inside, 'src/workers/fixture.ts')).toEqual([]);
  });
});
