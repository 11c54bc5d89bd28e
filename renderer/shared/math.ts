import katex from 'katex';

/**
 * Takes TeX math out of Markdown before it is parsed, so Markdown cannot mangle it (`_` and `*` are common
 * in TeX), and renders it with KaTeX as MathML, which Chromium draws natively (no fonts or styles needed,
 * nothing that can run). Code spans and fenced code keep their dollars. `$$…$$` is display math; `$…$` is
 * inline when the dollars hug the formula (`$x$`, not `$ 5 and $ 6`), as Jupyter's Markdown does.
 */
export function extractMath(source: string): { text: string; restore(html: string): string } {
  const rendered: string[] = [];
  const put = (tex: string, display: boolean) => {
    rendered.push(katex.renderToString(tex, { output: 'mathml', displayMode: display, throwOnError: false, trust: false, strict: 'ignore' }));
    return `LATHEMATH${rendered.length - 1}X`;
  };
  // Split off fenced code blocks and inline code spans; only the rest is searched for math.
  const parts = source.split(/(```[\s\S]*?```|~~~[\s\S]*?~~~|`[^`\n]*`)/g);
  const text = parts
    .map((p, i) =>
      i % 2 === 1
        ? p
        : p
            .replace(/\$\$([\s\S]+?)\$\$/g, (_m, tex: string) => put(tex.trim(), true))
            .replace(/\\\[([\s\S]+?)\\\]/g, (_m, tex: string) => put(tex.trim(), true))
            .replace(/(^|[^\\$])\$(?=\S)([^$\n]*?\S)\$(?!\d)/g, (_m, pre: string, tex: string) => `${pre}${put(tex, false)}`),
    )
    .join('');
  return { text, restore: (html) => html.replace(/LATHEMATH(\d+)X/g, (_m, n: string) => rendered[Number(n)] ?? '') };
}
