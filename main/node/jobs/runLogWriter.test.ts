import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../scripts/test/tempDir';
import { RunLogWriter } from './runLogWriter';

const dirs = tempDirs('lathe-logwriter-');
afterEach(() => dirs.cleanup());

const read = (dir: string) => ({ log: readFileSync(join(dir, 'output.log'), 'utf8'), streams: readFileSync(join(dir, 'output.streams'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { o: number; s: string }) });

describe('RunLogWriter', () => {
  it('keeps a character whole when a pipe chunk ends inside it, and turns CRLF into LF', () => {
    const dir = dirs.make();
    const w = new RunLogWriter(dir, 1 << 20, [], { first: 0 });
    const out = w.splitter('o');
    const bytes = Buffer.from('naïve 😀 line\r\nsecond\n');
    // Every split point, including the middle of the two- and four-byte characters.
    for (let i = 0; i < bytes.length; i++) out.data(bytes.subarray(i, i + 1));
    out.end();
    w.close();
    expect(read(dir).log).toBe('naïve 😀 line\nsecond\n');
    expect(w.lines).toBe(2);
  });

  it('records where stdout and stderr take turns, ends a last line without a newline, and blanks secrets', () => {
    const dir = dirs.make();
    const w = new RunLogWriter(dir, 1 << 20, ['hunter22'], { first: 0 });
    const out = w.splitter('o');
    const err = w.splitter('e');
    out.data('one\ntwo\n');
    w.flush();
    err.data(Buffer.from('pass=hunter22\n'));
    w.flush();
    out.data('three');
    out.end();
    w.close();
    const { log, streams } = read(dir);
    expect(log).toBe('one\ntwo\npass=***\nthree\n');
    expect(streams).toEqual([
      { o: 0, s: 'o' },
      { o: 8, s: 'e' },
      { o: 17, s: 'o' },
    ]);
  });

  it('blanks a secret split across writes, across the 64 KiB cut of a line that never ends, and base64-encoded (issue 14)', () => {
    const dir = dirs.make();
    const secret = 'hunter22-very-secret';
    const w = new RunLogWriter(dir, 1 << 30, [secret], { first: 0 });
    const out = w.splitter('o');
    out.data('pass=hunt');
    out.data('er22-very-secret and ');
    out.data(`b64=${Buffer.from(secret).toString('base64')}\n`);
    // A secret whose first half ends a 64 KiB run of text with no newline, and whose second half comes later.
    out.data(Buffer.alloc(65536 - 8, 'x'));
    out.data(secret.slice(0, 10));
    out.data(secret.slice(10));
    out.data(`${'y'.repeat(16)}${secret.slice(0, 3)}`);
    out.data(`${secret.slice(3)} end\n`);
    w.close();
    const { log } = read(dir);
    expect(log).not.toContain('hunter');
    expect(log).not.toContain('very-secret');
    expect(log).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    expect(log.split('\n')[0]).toBe('pass=*** and b64=***');
    expect(log.replace(/\n/g, '')).toMatch(/x{65528}\*\*\*y{16}\*\*\* end$/);
  });

  it('cuts a line that never ends at 64 KiB rather than holding it forever', () => {
    const dir = dirs.make();
    const w = new RunLogWriter(dir, 1 << 30, [], { first: 0 });
    const out = w.splitter('o');
    const chunk = Buffer.alloc(16 * 1024, 'x');
    for (let i = 0; i < 5; i++) out.data(chunk);
    w.close();
    expect(read(dir).log).toBe('x'.repeat(80 * 1024) + '\n');
  });
});
