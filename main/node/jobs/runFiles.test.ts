import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../scripts/test/tempDir';
import { FileTail } from './runFiles';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => dir?.remove());

describe('FileTail', () => {
  it('keeps emoji and CJK whole when a capped read ends inside a character', async () => {
    dir = tempDir();
    const file = join(dir.path, 'metrics.jsonl');
    // Every line mixes 1-, 3- and 4-byte characters, so reads of 1 to 9 bytes cut characters at every possible byte.
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ n: `損失-${i}-🚀é`, v: i }));
    writeFileSync(file, lines.join('\n') + '\n');
    for (const cap of [1, 2, 3, 5, 7, 9]) {
      const tail = new FileTail(file);
      const got: string[] = [];
      let offset = 0;
      for (let guard = 0; guard < 10_000; guard++) {
        const r = await tail.read(cap);
        got.push(...r.lines);
        if (r.offset === offset && !r.lines.length && tail.offset >= Buffer.byteLength(lines.join('\n') + '\n')) break;
        offset = r.offset;
      }
      expect(got, `reads of ${cap} bytes`).toEqual(lines);
      expect(offset).toBe(Buffer.byteLength(lines.join('\n') + '\n'));
    }
  });

  it('reports the offset of the first byte it has not returned, a partial line included', async () => {
    dir = tempDir();
    const file = join(dir.path, 'm.jsonl');
    writeFileSync(file, 'ab\n漢');
    const tail = new FileTail(file);
    expect(await tail.read()).toEqual({ lines: ['ab'], offset: 3 });
    appendFileSync(file, '字\n');
    expect(await tail.read()).toEqual({ lines: ['漢字'], offset: 3 + 7 });
  });
});
