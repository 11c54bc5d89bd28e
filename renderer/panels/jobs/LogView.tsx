import { useEffect, useMemo, useRef, useState } from 'react';
import { chunkLines, type LogLine } from '../../../main/common/jobs';
import type { Services } from '../../app/services';
import { parseAnsi } from '../notebooks/outputs/ansi';

/** One log line with its ANSI colours (plain text skips the parser). */
function LineText({ text }: { text: string }) {
  if (!text.includes('\x1b')) return <>{text}</>;
  return (
    <>
      {parseAnsi(text).map((s, i) => (
        <span key={i} style={{ color: s.fg, background: s.bg, fontWeight: s.bold ? 'bold' : undefined }}>
          {s.text}
        </span>
      ))}
    </>
  );
}

const ROW = 18;
const KEEP = 200_000;

/**
 * A run's output: the stored lines, then live ones. Only the rows in view are in the DOM (fixed row
 * height), so a million-line log scrolls like a short one; it follows the tail while scrolled to the end,
 * renders ANSI colours and filters by text.
 */
export function LogView({ services, runId }: { services: Services; runId: string }) {
  const lines = useRef<LogLine[]>([]);
  const [count, setCount] = useState(0);
  const total = useRef(0);
  const [ended, setEnded] = useState(false);
  const [query, setQuery] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    lines.current = [];
    total.current = 0;
    setCount(0);
    setEnded(false);
    let frame = 0;
    const sub = services.jobs.onDidLog({ id: runId, from: 0 })((c) => {
      for (const l of chunkLines(c)) lines.current.push(l);
      total.current += c.count;
      if (lines.current.length > KEEP) lines.current.splice(0, lines.current.length - KEEP);
      if (c.end) setEnded(true);
      // One render per frame however fast lines come.
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), setCount(lines.current.length)));
    });
    return () => {
      sub.dispose();
      cancelAnimationFrame(frame);
    };
  }, [services, runId]);
  const shown = useMemo(() => (query ? lines.current.filter((l) => l.l.includes(query)) : lines.current), [count, query]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    if (follow.current) el.scrollTop = el.scrollHeight;
  }, [shown.length]);
  const first = Math.max(0, Math.floor(scrollTop / ROW) - 20);
  const last = Math.min(shown.length, Math.ceil((scrollTop + height) / ROW) + 20);
  return (
    <section className="log-view" aria-label="Logs">
      <div className="row">
        <input type="search" aria-label="Search logs" placeholder="Filter lines" value={query} onChange={(e) => setQuery(e.target.value)} />
        <span className="muted" aria-label="Log line count">
          {query ? `${shown.length.toLocaleString()} matching of ` : ''}
          {total.current.toLocaleString()} lines{total.current > lines.current.length ? ` (the last ${lines.current.length.toLocaleString()} here; lathe job logs has them all)` : ''}
          {ended ? '' : ' · live'}
        </span>
      </div>
      <div
        ref={box}
        className="log-lines"
        role="log"
        aria-label="Run output"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          setScrollTop(el.scrollTop);
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
        }}
      >
        <div style={{ height: shown.length * ROW, position: 'relative' }}>
          {shown.slice(first, last).map((l, i) => (
            <div key={first + i} className={l.s === 'e' ? 'log-line stderr' : 'log-line'} style={{ top: (first + i) * ROW }}>
              <LineText text={l.l} />
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}
