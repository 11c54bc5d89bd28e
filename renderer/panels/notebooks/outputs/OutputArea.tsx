import { useMemo, useState } from 'react';
import type { NotebookOutput } from '../../../../main/common/kernels';
import { parseAnsi } from './ansi';
import { pickMime, truncate } from './mime';
import { renderMarkdown, sanitizeHtml } from './sanitize';

const asText = (v: unknown) => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : JSON.stringify(v));

/** A cell's outputs, each rendered by its best mime type. */
export function OutputArea({ outputs }: { outputs: NotebookOutput[] }) {
  if (!outputs.length) return null;
  return (
    <div className="outputs" role="group" aria-label="Cell output">
      {outputs.map((o, i) => (
        <Output key={i} output={o} />
      ))}
    </div>
  );
}

function Output({ output: o }: { output: NotebookOutput }) {
  switch (o.output_type) {
    case 'stream':
      return <AnsiText text={asText(o.text)} className={o.name === 'stderr' ? 'stderr' : undefined} />;
    case 'error':
      return <AnsiText text={o.traceback.join('\n')} className="output-error" />;
    case 'display_data':
    case 'execute_result':
      return <MimeView data={o.data} />;
    default:
      // Kept in the file unchanged; there is just nothing to draw.
      return <pre className="muted">[an output of type {(o as { output_type: string }).output_type} is kept but not shown]</pre>;
  }
}

/** Text with ANSI colours, truncated past 100,000 characters with a control to see all of it. */
export function AnsiText({ text, className }: { text: string; className?: string }) {
  const [all, setAll] = useState(false);
  const shown = all ? { text, hidden: 0 } : truncate(text);
  const segments = useMemo(() => parseAnsi(shown.text), [shown.text]);
  return (
    <>
      <pre className={`ansi ${className ?? ''}`}>
        {segments.map((s, i) => (
          <span key={i} style={{ color: s.fg, background: s.bg, fontWeight: s.bold ? 'bold' : undefined, fontStyle: s.italic ? 'italic' : undefined, textDecoration: s.underline ? 'underline' : undefined }}>
            {s.text}
          </span>
        ))}
      </pre>
      {shown.hidden > 0 && (
        <button className="show-more" onClick={() => setAll(true)}>
          Output truncated: show {shown.hidden.toLocaleString()} more characters
        </button>
      )}
    </>
  );
}

function MimeView({ data }: { data: Record<string, unknown> }) {
  const mime = pickMime(data);
  const html = useMemo(() => {
    if (mime === 'text/html') return sanitizeHtml(asText(data[mime]));
    if (mime === 'text/markdown') return renderMarkdown(asText(data[mime]));
    // IPython's Math/Latex displays send "$$…$$" or "$…$": render them as math, keep anything else as text.
    if (mime === 'text/latex' && /^\s*(\$\$?|\\\[)[\s\S]*(\$\$?|\\\])\s*$/.test(asText(data[mime]))) return renderMarkdown(asText(data[mime]));
    return '';
  }, [mime, data]);
  switch (mime) {
    case 'text/html':
    case 'text/markdown':
      return <div className="rich-output" dangerouslySetInnerHTML={{ __html: html }} />;
    case 'image/png':
    case 'image/jpeg':
      return <img className="image-output" alt="output image" src={`data:${mime};base64,${asText(data[mime]).replace(/\s/g, '')}`} />;
    case 'image/svg+xml':
      // As an <img>, an SVG cannot run script or reach the page.
      return <img className="image-output" alt="output image (SVG)" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(asText(data[mime]))}`} />;
    case 'application/json':
      return <pre className="json-output">{JSON.stringify(data[mime], null, 2)}</pre>;
    case 'text/latex':
      return html ? <div className="rich-output latex-output" dangerouslySetInnerHTML={{ __html: html }} /> : <pre className="latex-output">{asText(data[mime])}</pre>;
    case 'text/plain':
      return <AnsiText text={asText(data[mime])} />;
    default:
      return <pre className="muted">[no displayable representation: {Object.keys(data).join(', ')}]</pre>;
  }
}
