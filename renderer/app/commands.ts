/** A command the palette and keyboard shortcuts can run. */
export interface Command {
  id: string;
  title: string;
  /** The key binding, as shown in the palette (e.g. "Ctrl+B"). */
  keys?: string;
  run(): void | Promise<void>;
}

/**
 * Ranks commands for a palette query: every query word must appear in the title (case-insensitive);
 * titles that start with the query, then shorter titles, come first.
 */
export function filterCommands(commands: readonly Command[], query: string): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const q = query.trim().toLowerCase();
  return commands
    .filter((c) => words.every((w) => c.title.toLowerCase().includes(w)))
    .sort((a, b) => {
      const sa = a.title.toLowerCase().startsWith(q) ? 0 : 1;
      const sb = b.title.toLowerCase().startsWith(q) ? 0 : 1;
      return sa - sb || a.title.length - b.title.length || a.title.localeCompare(b.title);
    });
}
