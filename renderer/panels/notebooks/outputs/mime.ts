/** Which representation of a mime bundle to show, most preferred first (nbformat front ends agree on this shape). */
export const MIME_PRIORITY = ['text/html', 'image/png', 'image/jpeg', 'image/svg+xml', 'text/markdown', 'application/json', 'text/latex', 'text/plain'] as const;

/** The best mime type in a bundle that Lathe can show, or undefined. */
export function pickMime(data: Record<string, unknown>): (typeof MIME_PRIORITY)[number] | undefined {
  return MIME_PRIORITY.find((m) => m in data && data[m] !== undefined && data[m] !== null);
}

/** Outputs longer than this show their start and a control to see everything. */
export const TRUNCATE_CHARS = 100_000;

/** The head of a long text and how much was left out. */
export function truncate(text: string, limit = TRUNCATE_CHARS): { text: string; hidden: number } {
  if (text.length <= limit) return { text, hidden: 0 };
  return { text: text.slice(0, limit), hidden: text.length - limit };
}
