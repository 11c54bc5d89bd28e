import { createContext, useContext, useMemo, useState } from 'react';
import { formatBytes } from '../../../../main/common/format';
import type { NotebookOutput } from '../../../../main/common/kernels';
import { ELIDED_KEY, type ElidedOutput } from '../../../../main/common/notebooks';
import { parseAnsi } from '../../../shared/ansi';
import { pickMime, truncate } from './mime';
import { renderMarkdown, sanitizeHtml } from '../../../shared/markdown';

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

/** Fetches the original of a big output the core kept back when the notebook opened. */
export const ElidedOutputs = createContext<{ load(id: string): Promise<NotebookOutput>; shown: ReadonlyMap<string, NotebookOutput> } | undefined>(undefined);

/** Outputs up to this size are fetched and drawn on request; bigger ones stay in the file only. */
const SHOW_ON_REQUEST_CHARS = 64 * 1024 * 1024;

function Output({ output }: { output: NotebookOutput }) {
  const info = (output as unknown as Record<string, unknown>)[ELIDED_KEY] as ElidedOutput | undefined;
  return info ? <ElidedView output={output} info={info} /> : <PlainOutput output={output} />;
}

/** A stand-in for a big output: says so, shows what it carries (a stream's start), and fetches the rest on request. */
function ElidedView({ output, info }: { output: NotebookOutput; info: ElidedOutput }) {
  const elided = useContext(ElidedOutputs);
  const [full, setFull] = useState<NotebookOutput | undefined>(() => elided?.shown.get(info.id));
  const [error, setError] = useState<string>();
  if (full) return <PlainOutput output={full} />;
  return (
    <div className="elided-output">
      <p className="muted small" role="note">
        This output is {formatBytes(info.chars)} ({info.kinds.join(', ')}): {output.output_type === 'stream' ? 'its start is shown below; ' : ''}the whole of it stays in the file unchanged.{' '}
        {elided && info.chars <= SHOW_ON_REQUEST_CHARS && (
          <button className="show-more" onClick={() => void elided.load(info.id).then(setFull, (err: Error) => setError(err.message))}>
            Show all of it
          </button>
        )}
      </p>
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
      {output.output_type === 'stream' || output.output_type === 'error' ? <PlainOutput output={output} /> : null}
    </div>
  );
}

function PlainOutput({ output: o }: { output: NotebookOutput }) {
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
