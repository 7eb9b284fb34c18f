/**
 * The docs stay true to the tree: every relative link in README.md and docs/*.md reaches a file, every
 * repo doc a source comment cites exists (and so does the section it names), and source comments cite
 * only documents in the repository, with measured figures kept in docs/results.md, not dated in code.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const SOURCE_DIRS = ['src', 'bench', 'tools', 'e2e'];
const SOURCE_EXT = /\.(ts|tsx|py)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '__fixtures__' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const sources = SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d))).filter(
  (p) => SOURCE_EXT.test(p) && !p.endsWith('docs.test.ts'),
);
const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((n) => `docs/${n}`)].filter((p) =>
  p.endsWith('.md'),
);

/** Headings of a markdown file, without the leading #s. */
function headings(doc: string): string[] {
  return readFileSync(join(ROOT, doc), 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, '').trim());
}

/** A source file's text with comment continuation markers folded, so a citation can span lines. */
function folded(path: string): string {
  return readFileSync(path, 'utf8').replace(/\n\s*(\*(?!\/)|\/\/|#)?\s*/g, ' ');
}

describe('docs', () => {
  it('every relative link in README.md and docs/ reaches a file', () => {
    const broken: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(ROOT, dirname(doc), target))) broken.push(`${doc} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every docs/*.md a source file names exists, with the section it names', () => {
    const missing: string[] = [];
    for (const path of sources) {
      const text = folded(path);
      for (const m of text.matchAll(/docs\/([\w-]+\.md)(, ([^);]+))?/g)) {
        const doc = `docs/${m[1]}`;
        const where = `${relative(ROOT, path)}: ${m[0]}`;
        if (!existsSync(join(ROOT, doc))) {
          missing.push(where);
          continue;
        }
        // The section name runs to the citation's end: ')', ';', a full stop or the comment's end.
        const section = m[3]?.split(/\.(\s|$)|\*\//)[0].trim();
        if (!section) continue;
        const hs = headings(doc);
        if (!hs.some((h) => section.startsWith(h) || h.startsWith(section))) missing.push(where);
      }
    }
    expect(missing).toEqual([]);
  });

  it('source comments cite repo docs, not outside notes, and carry no dated figures', () => {
    const outside =
      /\bpitfall \d|\b(fkd-)?reference \d\.\d|\b[Ii]ssue #?\d|fkd-reference\.md|tfjs-pitfalls|environment\.md|shared\/docs/;
    const dated = /\b20\d\d-[01]\d-[0-3]\d\b/;
    const found: string[] = [];
    for (const path of sources) {
      const rel = relative(ROOT, path);
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (outside.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
          // tools/ may name fixed timestamps (a reproducible tar's mtime); src and bench may not.
          if (!rel.startsWith('tools/') && dated.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it("every `npm run X` in README.md and docs/results.md is one of package.json's scripts", () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
        .scripts,
    );
    const unknown: string[] = [];
    for (const doc of ['README.md', 'docs/results.md']) {
      for (const m of readFileSync(join(ROOT, doc), 'utf8').matchAll(/npm run ([\w:.-]+)/g)) {
        if (!scripts.includes(m[1])) unknown.push(`${doc}: npm run ${m[1]}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
