import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

/** A file of `n` lines of valid code. */
const lines = (n: number): string =>
  Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n');

async function maxLinesErrors(filePath: string, text: string): Promise<number> {
  const [result] = await eslint.lintText(text, { filePath });
  return result.messages.filter((m) => m.ruleId === 'max-lines').length;
}

describe('eslint max-lines', () => {
  it('fails a source file over 400 lines in src, bench, tools and e2e', async () => {
    for (const dir of ['src/core', 'src/ui', 'bench', 'tools/embedded', 'e2e']) {
      const file = `${dir}/tooLong.${dir === 'src/ui' ? 'tsx' : 'ts'}`;
      expect(await maxLinesErrors(file, lines(400) + '\n')).toBe(0);
      expect(await maxLinesErrors(file, lines(401) + '\n')).toBe(1);
    }
  });

  it('counts blank and comment lines too', async () => {
    const text = lines(300) + '\n' + '\n'.repeat(50) + '// why\n'.repeat(60);
    expect(await maxLinesErrors('src/core/padded.ts', text)).toBe(1);
  });
});
