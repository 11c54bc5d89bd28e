import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../scripts/test/tempDir';
import { tarBytes, type RawTarEntry } from '../../../scripts/test/tarFixture';
import { extractTar, unsafeEntry } from './tarExtract';

const dirs = tempDirs('lathe-tar-');
afterEach(dirs.cleanup);

describe('the tar reader and writer', () => {
  it('refuses entries that escape the target', () => {
    expect(unsafeEntry('../evil', 'file', undefined)).toMatch(/climbs out/);
    expect(unsafeEntry('/etc/passwd', 'file', undefined)).toMatch(/absolute path/);
    expect(unsafeEntry('lib/x', 'symlink', '/etc')).toMatch(/absolute path \/etc/);
    expect(unsafeEntry('lib/x', 'symlink', '../../etc')).toMatch(/outside the env/);
    expect(unsafeEntry('lib/x', 'symlink', '../bin/python')).toBeUndefined();
    expect(unsafeEntry('dev/null', 'character device', undefined)).toMatch(/character device/);
  });

  it('writes what GNU tar reads, and reads it back the same: long names, UTF-8, links, modes', async () => {
    const base = dirs.make();
    const long = 'share/' + 'a folder name longer than the 100 bytes of a ustar name field '.repeat(3) + '/data.txt';
    const entries: RawTarEntry[] = [
      { path: 'bin', type: 'dir', mode: 0o755 },
      { path: 'bin/tool', type: 'file', mode: 0o755, data: '#!/bin/sh\necho hi\n' },
      { path: 'bin/alias', type: 'symlink', mode: 0o777, linkpath: 'tool' },
      { path: 'share', type: 'dir', mode: 0o755 },
      { path: long, type: 'file', mode: 0o644, data: 'long name ok\n' },
      { path: 'share/données-数据.txt', type: 'file', mode: 0o600, data: 'é中\n' },
    ];
    const file = join(base, 'a.tar');
    writeFileSync(file, tarBytes(entries));
    const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(['bin/', 'bin/tool', 'bin/alias', 'share/', long, 'share/données-数据.txt']);

    const dest = join(base, 'out');
    mkdirSync(dest);
    expect(await extractTar(createReadStream(file), dest)).toEqual({ files: 3 });
    expect(readFileSync(join(dest, long), 'utf8')).toBe('long name ok\n');
    expect(readFileSync(join(dest, 'share', 'données-数据.txt'), 'utf8')).toBe('é中\n');
    expect(lstatSync(join(dest, 'bin', 'tool')).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(dest, 'share', 'données-数据.txt')).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(dest, 'bin', 'alias'))).toBe('tool');
  });

  it('refuses an archive that writes through an outward link, and writes nothing outside', async () => {
    const base = dirs.make();
    const dest = join(base, 'inside', 'dest');
    mkdirSync(dest, { recursive: true });
    const evil = tarBytes([
      { path: 'lib', type: 'symlink', mode: 0o777, linkpath: '../..' },
      { path: 'lib/escaped.txt', type: 'file', mode: 0o644, data: 'evil' },
    ]);
    await expect(extractTar(Readable.from([evil]), dest)).rejects.toMatchObject({ message: expect.stringMatching(/outside the env/) });
    expect(existsSync(join(base, 'escaped.txt'))).toBe(false);
    expect(readdirSync(dest)).toEqual([]);
  });

  it('refuses an archive cut between two entries, which would otherwise pass for a whole one with fewer files', async () => {
    const whole = tarBytes([
      { path: 'a.txt', type: 'file', mode: 0o644, data: 'first' },
      { path: 'b.txt', type: 'file', mode: 0o644, data: 'second' },
    ]);
    const cut = whole.subarray(0, 512 * 2); // a.txt's header and data block, nothing after
    const dest = dirs.make();
    await expect(extractTar(Readable.from([cut]), dest)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('end-of-archive marker') });
    const ok = dirs.make();
    expect(await extractTar(Readable.from([whole]), ok)).toEqual({ files: 2 });
  });

  it('extracts files bigger than what it may hold for opens still on their way, without stalling', async () => {
    // With a limit of one byte, every chunk of a file whose open has not returned makes the stream wait for it.
    const base = dirs.make();
    const src = join(base, 'src');
    mkdirSync(join(src, 'lib'), { recursive: true });
    const big = randomBytes(5 * 1024 * 1024 + 7);
    writeFileSync(join(src, 'lib', 'big.so'), big);
    for (let i = 0; i < 20; i++) writeFileSync(join(src, 'lib', `s${i}.py`), `print(${i})\n`.repeat(i * 100));
    const tarFile = join(base, 'a.tar');
    execFileSync('tar', ['-cf', tarFile, '--sort=name', '-C', src, '.']);
    const dest = join(base, 'out');
    mkdirSync(dest);
    const r = await extractTar(createReadStream(tarFile, { highWaterMark: 64 * 1024 }), dest, undefined, 1);
    expect(r.files).toBe(21);
    expect(readFileSync(join(dest, 'lib', 'big.so')).equals(big)).toBe(true);
    for (let i = 0; i < 20; i++) expect(readFileSync(join(dest, 'lib', `s${i}.py`), 'utf8')).toBe(`print(${i})\n`.repeat(i * 100));
  });
});
