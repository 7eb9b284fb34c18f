import katex from 'katex';
import 'katex/dist/katex.min.css';
import { memo } from 'react';

/**
 * Typeset HTML by formula. The TeX strings are constants of the studio's source, so this stays as small
 * as the set of formulas; typesetting one took KaTeX 1-3 ms, and views that re-render with a job's
 * progress (Soft labels, Train) typeset theirs again four times a second on the page's main thread.
 */
const typeset = new Map<string, string>();

function html(tex: string, display: boolean): string {
  const key = `${display ? 'D' : 'I'}${tex}`;
  let out = typeset.get(key);
  if (out === undefined) {
    out = katex.renderToString(tex, { displayMode: display, throwOnError: false, output: 'htmlAndMathml' });
    typeset.set(key, out);
  }
  return out;
}

/**
 * One formula typeset by KaTeX (bundled with its fonts: nothing is fetched). The TeX is always a
 * constant of the studio's source, never user input; KaTeX's MathML copy is what screen readers read.
 */
export const Formula = memo(function Formula({ tex, display = false }: { tex: string; display?: boolean }) {
  const Tag = display ? 'div' : 'span';
  return <Tag className="formula" dangerouslySetInnerHTML={{ __html: html(tex, display) }} />;
});
