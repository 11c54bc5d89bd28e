import type { Terminal } from '@xterm/xterm';

const terminals = new Map<string, Terminal>();

/** Registers a mounted xterm under its core terminal id; returns the unregister function. */
export function registerTerminal(id: string, t: Terminal): () => void {
  terminals.set(id, t);
  return () => {
    if (terminals.get(id) === t) terminals.delete(id);
  };
}

/**
 * The last `lines` lines of a terminal's buffer as text, whatever renderer draws it (the WebGL renderer
 * leaves no text in the DOM). Used by diagnostics, e2e tests and benchmarks through `window.__lathe`.
 */
export function terminalText(id: string, lines = 200): string {
  const t = terminals.get(id);
  if (!t) return '';
  const buf = t.buffer.active;
  const end = buf.baseY + buf.cursorY + 1;
  const out: string[] = [];
  for (let i = Math.max(0, end - lines); i < end; i++) out.push(buf.getLine(i)?.translateToString(true) ?? '');
  return out.join('\n');
}

/** Which renderer a terminal uses: 'webgl' or 'dom'. */
export function terminalRenderer(id: string): string {
  const t = terminals.get(id);
  return t?.element?.querySelector('canvas') ? 'webgl' : 'dom';
}

/** The cursor's row on the screen (0 = top) and the screen's size, for tests that point at the screen. */
export function terminalCursor(id: string): { row: number; rows: number; cols: number } | undefined {
  const t = terminals.get(id);
  return t ? { row: t.buffer.active.cursorY, rows: t.rows, cols: t.cols } : undefined;
}
