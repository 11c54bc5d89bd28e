import { useEffect, useRef, useState } from 'react';
import { useVersioned } from '../../shared/useVersioned';
import type { LogLine } from '../../../main/common/jobs';
import { LogLines } from './logLines';
import type { Services } from '../../platform/services';
import { parseAnsi } from '../../shared/ansi';

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
  const lines = useRef(new LogLines(KEEP));
  const [count, setCount] = useState(0);
  const [ended, setEnded] = useState(false);
  const [query, setQuery] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  /** When the user last wheeled, pressed or typed in the log. */
  const userInput = useRef(-Infinity);
  useEffect(() => {
    lines.current = new LogLines(KEEP);
    setCount(0);
    setEnded(false);
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const render = () => {
      frame = 0;
      timer = undefined;
      last = performance.now();
      setCount(lines.current.total);
    };
    const sub = services.jobs.onDidLog({ id: runId, from: 0, tail: KEEP })((c) => {
      lines.current.push(c);
      if (c.end) setEnded(true);
      if (frame || timer) return;
      // A quiet log shows each line on the next frame; a flood repaints at most ten times a second (each repaint
      // of the view costs the browser more than taking the lines, and a job competes with it for the CPU).
      const wait = last + 100 - performance.now();
      if (wait <= 0 || c.end) frame = requestAnimationFrame(render);
      else timer = setTimeout(() => (frame = requestAnimationFrame(render)), wait);
    });
    return () => {
      sub.dispose();
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [services, runId]);
  // A filter is a snapshot, made again as lines come; without one the rows are read from the store as it is at
  // this render (lines arrive between renders, and the oldest are let go, so no earlier view of it is kept).
  const found = useVersioned(() => (query ? lines.current.filter(query) : undefined), [count, query]);
  const shown: { length: number; at(i: number): LogLine | undefined } = found ? { length: found.length, at: (i) => found[i] } : lines.current;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    if (follow.current) el.scrollTop = el.scrollHeight;
  }, [count, found]);
  // Following the tail, the rows in view are the last ones whatever scroll event is still on its way.
  const top = follow.current ? Math.max(0, shown.length * ROW - height) : scrollTop;
  const first = Math.max(0, Math.floor(top / ROW) - 20);
  const last = Math.min(shown.length, Math.ceil((top + height) / ROW) + 20);
  return (
    <section className="log-view" aria-label="Logs">
      <div className="row">
        <input type="search" aria-label="Search logs" placeholder="Filter lines" value={query} onChange={(e) => setQuery(e.target.value)} />
        <span className="muted" aria-label="Log line count">
          {query ? `${shown.length.toLocaleString()} matching of ` : ''}
          {lines.current.total.toLocaleString()} {lines.current.total === 1 ? 'line' : 'lines'}{lines.current.total > lines.current.length ? ` (the last ${lines.current.length.toLocaleString()} here; lathe job logs has them all)` : ''}
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
          // Only the user stops the follow: scroll events from our own jumps to the end (or the browser clamping as
          // old lines go) can arrive after more lines made the list longer, and must not read as "scrolled up".
          const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
          if (atEnd || performance.now() - userInput.current < 1000) follow.current = atEnd;
        }}
        onWheel={() => (userInput.current = performance.now())}
        onPointerDown={() => (userInput.current = performance.now())}
        onKeyDown={() => (userInput.current = performance.now())}
      >
        <div style={{ height: shown.length * ROW, position: 'relative' }}>
          {Array.from({ length: Math.max(0, last - first) }, (_, i) => {
            const l = shown.at(first + i);
            if (!l) return null;
            return (
              <div key={first + i} className={l.s === 'e' ? 'log-line stderr' : 'log-line'} style={{ top: (first + i) * ROW }}>
                <LineText text={l.l} />
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
