/** A run of text with one style. */
export interface AnsiSegment {
  text: string;
  fg?: string;
  bg?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
}

/**
 * The 16 base colours are the theme's (CSS variables --ansi-0…15 in styles.css, VS Code's terminal palettes), so a
 * traceback stays readable on a dark background and on a light one; the 256-colour cube is fixed.
 */
const BASE = Array.from({ length: 8 }, (_, i) => `var(--ansi-${i})`);
const BRIGHT = Array.from({ length: 8 }, (_, i) => `var(--ansi-${i + 8})`);

function color256(n: number): string {
  if (n < 8) return BASE[n]!;
  if (n < 16) return BRIGHT[n - 8]!;
  if (n < 232) {
    const i = n - 16;
    const v = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${v(Math.floor(i / 36))}, ${v(Math.floor(i / 6) % 6)}, ${v(i % 6)})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g}, ${g}, ${g})`;
}

/**
 * Splits text with ANSI escape sequences (tracebacks, coloured logs) into styled segments. SGR colours and
 * attributes are kept; every other escape sequence is dropped, so nothing but text reaches the page.
 */
export function parseAnsi(input: string): AnsiSegment[] {
  const out: AnsiSegment[] = [];
  let style: Omit<AnsiSegment, 'text'> = {};
  // CSI sequences (ESC [ ... final byte) and OSC sequences (ESC ] ... BEL/ST); lone ESCs are dropped too.
  const re = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b/g;
  let last = 0;
  for (const m of input.matchAll(re)) {
    if (m.index > last) out.push({ text: input.slice(last, m.index), ...style });
    last = m.index + m[0].length;
    if (m[2] !== 'm') continue;
    const codes = (m[1] || '0').split(';').map((x) => Number(x || 0));
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c === 0) style = {};
      else if (c === 1) style = { ...style, bold: true };
      else if (c === 3) style = { ...style, italic: true };
      else if (c === 4) style = { ...style, underline: true };
      else if (c === 22) style = { ...style, bold: undefined };
      else if (c === 23) style = { ...style, italic: undefined };
      else if (c === 24) style = { ...style, underline: undefined };
      else if (c >= 30 && c <= 37) style = { ...style, fg: BASE[c - 30] };
      else if (c >= 90 && c <= 97) style = { ...style, fg: BRIGHT[c - 90] };
      else if (c >= 40 && c <= 47) style = { ...style, bg: BASE[c - 40] };
      else if (c >= 100 && c <= 107) style = { ...style, bg: BRIGHT[c - 100] };
      else if (c === 39) style = { ...style, fg: undefined };
      else if (c === 49) style = { ...style, bg: undefined };
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
        style = { ...style, [c === 38 ? 'fg' : 'bg']: color256(codes[i + 2] ?? 0) };
        i += 2;
      } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
        style = { ...style, [c === 38 ? 'fg' : 'bg']: `rgb(${codes[i + 2] ?? 0}, ${codes[i + 3] ?? 0}, ${codes[i + 4] ?? 0})` };
        i += 4;
      }
    }
  }
  if (last < input.length) out.push({ text: input.slice(last), ...style });
  return out.filter((s) => s.text);
}
