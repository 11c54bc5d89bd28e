import { describe, expect, it } from 'vitest';
import type { LogChunk } from '../../../main/common/jobs';
import { LogLines } from './logLines';
import { shellLine } from './shellLine';

/** A chunk of lines `from`..`to` (1-based, inclusive); `err` lists the lines that came on stderr. */
function chunk(from: number, to: number, err: number[] = []): LogChunk {
  const lines = Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
  const streams: [number, 'o' | 'e'][] = [];
  lines.forEach((l, i) => {
    const s = err.includes(Number(l)) ? 'e' : 'o';
    if (streams.at(-1)?.[1] !== s) streams.push([i, s]);
  });
  return { runId: 'r', n: from - 1, text: lines.join('\n') + '\n', count: lines.length, streams };
}

describe('LogLines', () => {
  it('reads any line of the chunks it holds, in any order, with its stream', () => {
    const log = new LogLines(1_000_000);
    log.push(chunk(1, 3));
    log.push({ runId: 'r', n: 3, text: '', count: 0, streams: [] }); // the end marker carries no line
    log.push(chunk(4, 1000, [500, 501]));
    log.push(chunk(1001, 1001));
    expect(log.length).toBe(1001);
    expect(log.total).toBe(1001);
    for (const i of [0, 1000, 2, 3, 499, 500, 501, 998, 999, 42]) expect(log.at(i)).toEqual({ s: i === 499 || i === 500 ? 'e' : 'o', l: String(i + 1) });
    expect(log.at(1001)).toBeUndefined();
    expect(log.at(-1)).toBeUndefined();
  });

  it('lets the oldest chunks go once the newest lines fill it, counting every line taken', () => {
    const log = new LogLines(2500);
    for (let k = 0; k < 5000; k++) log.push(chunk(k * 10 + 1, k * 10 + 10));
    expect(log.total).toBe(50_000);
    expect(log.length).toBeGreaterThanOrEqual(2500);
    expect(log.length).toBeLessThan(2510);
    expect(log.at(log.length - 1)?.l).toBe('50000');
    expect(log.at(0)?.l).toBe(String(50_000 - log.length + 1));
    // Every kept line is there, in order.
    for (let i = 0; i < log.length; i++) expect(log.at(i)?.l).toBe(String(50_000 - log.length + 1 + i));
  });

  it('holds only the newest lines of a single chunk bigger than it keeps, with their streams', () => {
    const log = new LogLines(1000);
    log.push(chunk(1, 300_000, [299_500, 299_501]));
    expect(log.total).toBe(300_000);
    expect(log.length).toBe(1000);
    expect(log.at(0)).toEqual({ s: 'o', l: '299001' });
    expect(log.at(499)).toEqual({ s: 'e', l: '299500' });
    expect(log.at(500)).toEqual({ s: 'e', l: '299501' });
    expect(log.at(501)).toEqual({ s: 'o', l: '299502' });
    expect(log.at(999)).toEqual({ s: 'o', l: '300000' });
    log.push(chunk(300_001, 300_010));
    expect(log.total).toBe(300_010);
    expect(log.at(log.length - 1)?.l).toBe('300010');
  });

  it('starts where a tail subscription starts: the lines before it count, and the held ones before a gap go', () => {
    const log = new LogLines(1000);
    log.push(chunk(9_001, 9_500));
    expect(log.total).toBe(9_500);
    expect(log.length).toBe(500);
    expect(log.at(0)?.l).toBe('9001');
    expect(log.at(499)?.l).toBe('9500');
    log.push(chunk(9_501, 9_600));
    expect(log.at(500)?.l).toBe('9501');
    // A later gap (a resubscription that asked for the tail again) lets go of everything older.
    log.push(chunk(20_001, 20_010));
    expect(log.total).toBe(20_010);
    expect(log.length).toBe(10);
    expect([log.at(0)?.l, log.at(9)?.l, log.at(10)]).toEqual(['20001', '20010', undefined]);
    expect(log.filter('95')).toEqual([]);
  });

  it('finds lines by text, skipping chunks that do not have it', () => {
    const log = new LogLines(1_000_000);
    log.push(chunk(1, 100));
    log.push({ runId: 'r', n: 100, text: 'loss=0.5\nepoch 2\nloss=0.25\n', count: 3, streams: [[0, 'o'], [2, 'e']] });
    expect(log.filter('loss=')).toEqual([
      { s: 'o', l: 'loss=0.5' },
      { s: 'e', l: 'loss=0.25' },
    ]);
    expect(log.filter('99')).toEqual([{ s: 'o', l: '99' }]);
    expect(log.filter('nowhere')).toEqual([]);
  });
});

describe('LogLines streams', () => {
  it('tells the stream of every line of a chunk whose output alternates at each line', () => {
    const n = 5000;
    const streams: [number, 'o' | 'e'][] = Array.from({ length: n }, (_, i) => [i, i % 2 ? 'e' : 'o']);
    const log = new LogLines(1_000_000);
    log.push({ runId: 'r', n: 0, text: Array.from({ length: n }, (_, i) => `l${i}`).join('\n') + '\n', count: n, streams });
    for (let i = 0; i < n; i++) expect(log.at(i)).toEqual({ s: i % 2 ? 'e' : 'o', l: `l${i}` });
  });
});

describe('a job command shown as typed', () => {
  it('quotes arguments that a shell would split or expand, and leaves plain ones alone', () => {
    expect(shellLine(['python', 'train.py', '--lr', '0.01'])).toBe('python train.py --lr 0.01');
    expect(shellLine(['sh', '-c', "echo 'hi' && ls $HOME"])).toBe(`sh -c 'echo '\\''hi'\\'' && ls $HOME'`);
    expect(shellLine(['printf', ''])).toBe("printf ''");
  });
});
