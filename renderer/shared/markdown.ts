import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { extractMath } from './math';

/**
 * Cleans HTML from outputs and Markdown before it enters the page: no scripts, handlers, forms, frames or
 * styles that escape. The page's CSP (script-src 'self') is the second wall behind this one.
 */
export function sanitizeHtml(html: string): string {
  return DOMPurify.sanitize(html, { FORBID_TAGS: ['style', 'form', 'iframe', 'object', 'embed', 'base', 'meta', 'link'], FORBID_ATTR: ['srcset', 'action', 'formaction'] });
}

/** Renders Markdown (GitHub flavour, with TeX math) to sanitised HTML; `attachment:NAME` images come from the cell's attachments. */
export function renderMarkdown(source: string, attachments?: Record<string, Record<string, string | string[]>>): string {
  const withAttachments = attachments
    ? source.replace(/attachment:([^\s)"']+)/g, (whole, name: string) => {
        const bundle = attachments[name];
        const mime = bundle && Object.keys(bundle).find((m) => m.startsWith('image/'));
        if (!mime) return whole;
        const data = bundle[mime] ?? '';
        return `data:${mime};base64,${(Array.isArray(data) ? data.join('') : data).replace(/\s/g, '')}`;
      })
    : source;
  const math = extractMath(withAttachments);
  return sanitizeHtml(math.restore(marked.parse(math.text, { async: false, gfm: true }) as string));
}
