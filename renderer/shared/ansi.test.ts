import { describe, expect, it } from 'vitest';
import { parseAnsi } from './ansi';

describe('ANSI parsing', () => {
  it('keeps colours and attributes of a Python traceback and drops other escapes', () => {
    const segs = parseAnsi('\x1b[0;31mZeroDivisionError\x1b[0m: division by zero\x1b[2K\x1b]0;title\x07!');
    expect(segs).toEqual([
      { text: 'ZeroDivisionError', fg: 'var(--ansi-1)' },
      { text: ': division by zero' },
      { text: '!' },
    ]);
  });
  it('handles bold, bright, 256 and true colour, and resets', () => {
    expect(parseAnsi('\x1b[1;92mok\x1b[22m\x1b[38;5;196mred\x1b[48;2;1;2;3mbg\x1b[39;49mplain')).toEqual([
      { text: 'ok', bold: true, fg: 'var(--ansi-10)' },
      { text: 'red', bold: undefined, fg: 'rgb(255, 0, 0)' },
      { text: 'bg', bold: undefined, fg: 'rgb(255, 0, 0)', bg: 'rgb(1, 2, 3)' },
      { text: 'plain', bold: undefined, fg: undefined, bg: undefined },
    ]);
  });
  it('passes HTML-looking text through as text', () => {
    expect(parseAnsi('<script>alert(1)</script>')).toEqual([{ text: '<script>alert(1)</script>' }]);
  });
});
