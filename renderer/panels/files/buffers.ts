/**
 * Unsaved text of open files, kept in the tab's session storage so a reload (or a crash of the page) does not lose
 * it, as VS Code's hot exit does. Session storage is per browser tab and survives reloads, not the tab's closing;
 * a buffer is dropped once saved or discarded. Texts over BUFFER_LIMIT are not kept (the browser then asks before
 * the page is left, as for any unsaved change).
 */
const PREFIX = 'lathe.buffer:';
const BUFFER_LIMIT = 2 * 1024 * 1024;

/** An unsaved text and the file's modification time it was based on. */
export interface TextBuffer {
  text: string;
  mtimeMs: number;
}

export function saveBuffer(path: string, text: string, mtimeMs: number): void {
  if (text.length > BUFFER_LIMIT) return dropBuffer(path);
  try {
    sessionStorage.setItem(PREFIX + path, JSON.stringify({ text, mtimeMs }));
  } catch {
    // Storage full: the beforeunload prompt still guards the edit.
  }
}

export function loadBuffer(path: string): TextBuffer | undefined {
  const raw = sessionStorage.getItem(PREFIX + path);
  if (!raw) return undefined;
  try {
    const b = JSON.parse(raw) as TextBuffer;
    return typeof b.text === 'string' && typeof b.mtimeMs === 'number' ? b : undefined;
  } catch {
    return undefined;
  }
}

export function dropBuffer(path: string): void {
  sessionStorage.removeItem(PREFIX + path);
}
