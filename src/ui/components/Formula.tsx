import katex from 'katex';
import 'katex/dist/katex.min.css';

/**
 * One formula typeset by KaTeX (bundled with its fonts: nothing is fetched). The TeX is always a
 * constant of the studio's source, never user input; KaTeX's MathML copy is what screen readers read.
 */
export function Formula({ tex, display = false }: { tex: string; display?: boolean }) {
  const html = katex.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    output: 'htmlAndMathml',
  });
  const Tag = display ? 'div' : 'span';
  return <Tag className="formula" dangerouslySetInnerHTML={{ __html: html }} />;
}
