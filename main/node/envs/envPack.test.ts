import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEnv } from '../../../scripts/test/condaFixture';
import { tempDirs } from '../../../scripts/test/tempDir';
import { hashGrowing, sha256File } from './archiveFiles';
import { packEnv } from './envPack';
import { unpackEnv } from './envUnpack';
import { fixShebang, replaceBinary } from './relocate';
import { tarBytes, type RawTarEntry } from '../../../scripts/test/tarFixture';

const dirs = tempDirs('lathe-pack-');
const tmp = dirs.make;
afterEach(dirs.cleanup);

/** An env whose files have its prefix baked in the ways real packages do. */
function relocatableEnv(prefix: string): string {
  const bin = Buffer.concat([Buffer.from('\x7fELF....'), Buffer.from(`${prefix}/lib/python3.11\0`), Buffer.from('other\0'), Buffer.from(`RPATH=${prefix}/lib:${prefix}/lib64\0tail`)]);
  makeEnv(prefix, {
    packages: [
      { name: 'python', version: '3.11.9', build: 'h_0_cpython', files: [{ path: 'lib/libpython3.11.so', content: bin, placeholder: '/opt/anaconda1anaconda2anaconda3', mode: 'binary' }] },
      { name: 'tool', version: '1.0', build: 'py_0', files: [{ path: 'bin/tool', content: `#!${prefix}/bin/python3.11\nimport sys\nHOME = "${prefix}/share/tool"\n`, placeholder: '/opt/anaconda1anaconda2anaconda3', mode: 'text' }, { path: 'share/tool/a very long folder name'.padEnd(120, 'x') + '/data.txt', content: 'long name ok\n' }] },
    ],
  });
  // pip-installed script conda knows nothing about, and a user note
  writeFileSync(join(prefix, 'bin', 'pipscript'), `#!${prefix}/bin/python3.11\nprint("hi")\n`, { mode: 0o755 });
  mkdirSync(join(prefix, 'etc'), { recursive: true });
  writeFileSync(join(prefix, 'etc', 'notes.cfg'), `data_dir = ${prefix}/share\n`);
  symlinkSync('libpython3.11.so', join(prefix, 'lib', 'libpython3.so'));
  symlinkSync(join(prefix, 'lib', 'libpython3.11.so'), join(prefix, 'lib', 'abs-link.so'));
  return prefix;
}

describe('relocation primitives', () => {
  it('replaces inside C strings with NUL padding, keeping every offset', () => {
    const data = Buffer.from('ab/old/prefix/lib\0x/old/prefix\0');
    const r = replaceBinary(data, Buffer.from('/old/prefix'), Buffer.from('/new'), 'f');
    expect(r.data.length).toBe(data.length);
    expect(r.data.toString()).toBe('ab/new/lib\0\0\0\0\0\0\0\0x/new\0\0\0\0\0\0\0\0');
    expect(r.count).toBe(2);
    expect(() => replaceBinary(data, Buffer.from('/old/prefix'), Buffer.from('/much/longer/prefix'), 'lib/x.so')).toThrow(/lib\/x\.so has the old prefix compiled in/);
  });

  it('fixes shebangs, falling back to /usr/bin/env when the line would be too long', () => {
    expect(fixShebang(Buffer.from('#!/old/bin/python -u\nx'), '/old', '/new')?.toString()).toBe('#!/new/bin/python -u\nx');
    const long = '/n' + 'x'.repeat(130);
    expect(fixShebang(Buffer.from('#!/old/bin/python\nx'), '/old', long)?.toString()).toBe('#!/usr/bin/env python\nx');
    expect(fixShebang(Buffer.from('#!/usr/bin/env python\n'), '/old', '/new')).toBeUndefined();
  });
});

describe('pack and unpack', () => {
  for (const format of ['tar.gz', 'tar.zst'] as const) {
    it(`packs a ${format} that plain tar reads, and unpacks it relocated to a new prefix`, async () => {
      const base = tmp();
      const src = relocatableEnv(join(base, 'source-envs-folder', 'myenv'));
      const file = join(base, `myenv.${format}`);
      const progress: number[] = [];
      const r = await packEnv({ prefix: src, name: 'myenv', output: file, createdBy: 'test', onProgress: (d) => progress.push(d) });
      expect(r.sha256).toBe(await sha256File(file));
      expect(r.manifest).toMatchObject({ name: 'myenv', slug: 'myenv', python: '3.11.9', platform: 'linux-64', sourcePrefix: src });
      expect(r.manifest.relocate).toEqual(
        expect.arrayContaining([
          { path: 'lib/libpython3.11.so', mode: 'binary' },
          { path: 'bin/tool', mode: 'text' },
          { path: 'bin/pipscript', mode: 'text' },
          { path: 'etc/notes.cfg', mode: 'text' },
        ]),
      );
      const side = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as { sha256: string };
      expect(side.sha256).toBe(r.sha256);
      expect(progress.at(-1)).toBe(r.manifest.sizeBytes);

      // GNU tar reads it: the layout is conda-pack's (env at the root, bin/conda-unpack, our manifest).
      const listing = execFileSync('tar', ['-t', format === 'tar.gz' ? '-z' : '--zstd', '-f', file], { encoding: 'utf8' }).split('\n');
      expect(listing).toEqual(expect.arrayContaining(['.lathe-pack/manifest.json', 'bin/conda-unpack', 'conda-meta/history', 'lib/libpython3.so', expect.stringMatching(/^share\/tool\/a very long folder namex+\/data\.txt$/)]));

      const dest = join(base, 'b', 'moved'); // shorter than the source prefix: binaries can be patched
      const u = await unpackEnv({ archive: file, dest });
      expect(u).toMatchObject({ prefix: dest, method: 'lathe' });
      expect(u.relocatedFiles).toBeGreaterThanOrEqual(4);
      const lib = readFileSync(join(dest, 'lib', 'libpython3.11.so'));
      expect(lib.length).toBe(readFileSync(join(src, 'lib', 'libpython3.11.so')).length);
      expect(lib.toString('latin1')).toContain(`${dest}/lib/python3.11\0`);
      expect(lib.toString('latin1')).toContain(`RPATH=${dest}/lib:${dest}/lib64\0`);
      expect(lib.toString('latin1')).not.toContain(src);
      expect(readFileSync(join(dest, 'bin', 'tool'), 'utf8')).toBe(`#!${dest}/bin/python3.11\nimport sys\nHOME = "${dest}/share/tool"\n`);
      expect(readFileSync(join(dest, 'bin', 'pipscript'), 'utf8').split('\n')[0]).toBe(`#!${dest}/bin/python3.11`);
      expect(readFileSync(join(dest, 'etc', 'notes.cfg'), 'utf8')).toBe(`data_dir = ${dest}/share\n`);
      expect(readlinkSync(join(dest, 'lib', 'libpython3.so'))).toBe('libpython3.11.so');
      expect(readlinkSync(join(dest, 'lib', 'abs-link.so'))).toBe('libpython3.11.so'); // was absolute into the env
      expect(lstatSync(join(dest, 'bin', 'tool')).mode & 0o111).toBeTruthy();
    });
  }

  it('finds the prefix in unmanaged files large and small, across read boundaries, and leaves binaries alone', async () => {
    const base = tmp();
    const src = relocatableEnv(join(base, 'envs', 'scan'));
    const MB = 1 << 20;
    mkdirSync(join(src, 'share', 'data'), { recursive: true });
    // Large files are read in 1 MiB pieces: this prefix starts 5 bytes before the first piece ends.
    const straddle = Buffer.concat([Buffer.alloc(MB - 5, 'a'), Buffer.from(`${src}/share\n`), Buffer.alloc(MB, 'b')]);
    writeFileSync(join(src, 'share', 'data', 'straddle.txt'), straddle);
    writeFileSync(join(src, 'share', 'data', 'plain.txt'), Buffer.alloc(2.5 * MB, 'c'));
    writeFileSync(join(src, 'share', 'data', 'late.txt'), Buffer.concat([Buffer.alloc(3 * MB, 'd'), Buffer.from(`${src}\n`)]));
    writeFileSync(join(src, 'share', 'data', 'big.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.alloc(2 * MB, 'e'), Buffer.from(src)]));
    writeFileSync(join(src, 'share', 'data', 'small.bin'), Buffer.concat([Buffer.from([0]), Buffer.from(src)]));
    for (let i = 0; i < 300; i++) writeFileSync(join(src, 'share', 'data', `f${i}.txt`), i % 100 === 7 ? `path=${src}\n` : `value ${i}\n`);
    const file = join(base, 'scan.tar.zst');
    writeFileSync(`${file}.partial`, Buffer.alloc(3 * MB, 'j')); // left by a pack that died: must not reach the hash
    const r = await packEnv({ prefix: src, name: 'scan', output: file, createdBy: 'test' });
    expect(r.sha256).toBe(await sha256File(file));
    const found = r.manifest.relocate.filter((x) => x.path.startsWith('share/data/')).map((x) => x.path).sort();
    expect(found).toEqual(['share/data/f107.txt', 'share/data/f207.txt', 'share/data/f7.txt', 'share/data/late.txt', 'share/data/straddle.txt']);
    const dest = join(base, 'u', 'scan');
    await unpackEnv({ archive: file, dest });
    const moved = readFileSync(join(dest, 'share', 'data', 'straddle.txt'));
    expect(moved.subarray(MB - 5, MB - 5 + dest.length + 7).toString()).toBe(`${dest}/share\n`);
    expect(readFileSync(join(dest, 'share', 'data', 'plain.txt')).equals(Buffer.alloc(2.5 * MB, 'c'))).toBe(true);
    expect(readFileSync(join(dest, 'share', 'data', 'big.bin')).equals(readFileSync(join(src, 'share', 'data', 'big.bin')))).toBe(true);
    expect(readFileSync(join(dest, 'share', 'data', 'f150.txt'), 'utf8')).toBe('value 150\n');
  });

  it('packs and unpacks hundreds of files byte for byte while buffers are reused and files are still being created', async () => {
    const base = tmp();
    const src = makeEnv(join(base, 'envs', 'many'), { packages: [{ name: 'zlib', version: '1.3' }] });
    const want = new Map<string, Buffer>();
    for (let i = 0; i < 240; i++) {
      // Sizes across the whole-file reads (pooled above 64 KiB) and empty files, each with bytes of its own.
      const rel = `lib/d${i % 6}/f${i}.bin`;
      const data = randomBytes(i % 40 === 0 ? 0 : (i * 7919) % 900_000);
      mkdirSync(join(src, dirname(rel)), { recursive: true });
      writeFileSync(join(src, rel), data);
      want.set(rel, data);
    }
    const file = join(base, 'many.tar.zst');
    await packEnv({ prefix: src, name: 'many', output: file, createdBy: 'test' });
    const dest = join(base, 'u', 'many');
    await unpackEnv({ archive: file, dest });
    for (const [rel, data] of want) expect(readFileSync(join(dest, rel)).equals(data), rel).toBe(true);

    // Hard links, as GNU tar writes them: the link's entry comes right after its target's, whose file is then
    // usually still being created; the link waits for it and shares its inode.
    const plain = join(base, 'plain');
    mkdirSync(join(plain, 'lib'), { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(join(plain, 'lib', `m${i}.so`), randomBytes(100_000 + i));
    linkSync(join(plain, 'lib', 'm7.so'), join(plain, 'lib', 'm7-again.so'));
    const tgz = join(base, 'plain.tar.gz');
    execFileSync('tar', ['-czf', tgz, '--sort=name', '-C', plain, '.']);
    expect(execFileSync('tar', ['-tvzf', tgz], { encoding: 'utf8' })).toMatch(/^h.*link to/m);
    const out = join(base, 'u', 'plain');
    await unpackEnv({ archive: tgz, dest: out });
    for (let i = 0; i < 30; i++) expect(readFileSync(join(out, 'lib', `m${i}.so`)).equals(readFileSync(join(plain, 'lib', `m${i}.so`)))).toBe(true);
    expect(statSync(join(out, 'lib', 'm7-again.so')).ino).toBe(statSync(join(out, 'lib', 'm7.so')).ino);
    expect(readFileSync(join(out, 'lib', 'm7-again.so')).equals(readFileSync(join(plain, 'lib', 'm7.so')))).toBe(true);
  });

  it('a cancelled .tar.zst pack says so and leaves no archive, and nothing fails unhandled behind it', async () => {
    const base = tmp();
    const src = relocatableEnv(join(base, 'envs', 'c'));
    const ctl = new AbortController();
    ctl.abort();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(packEnv({ prefix: src, name: 'c', output: join(base, 'c.tar.zst'), createdBy: 'test', signal: ctl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
      await new Promise((r) => setTimeout(r, 100)); // unhandled rejections are reported after a turn of the loop
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(readdirSync(base)).toEqual(['envs']);
  });

  it('hashes an archive while it is being written exactly as a second read would', async () => {
    const base = tmp();
    const f = join(base, 'growing.bin');
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.alloc(100_000 + i * 1000, i));
    const out = createWriteStream(f);
    const writing = (async () => {
      for (const p of parts) {
        await new Promise<void>((res, rej) => out.write(p, (e) => (e ? rej(e) : res())));
        await new Promise((r) => setTimeout(r, 3));
      }
      await new Promise<void>((res) => out.end(res));
    })();
    const h = await hashGrowing(f, writing);
    expect(h).toEqual({ sha256: await sha256File(f), bytes: parts.reduce((n, p) => n + p.length, 0) });
    // A writer that fails fails the hash too.
    await expect(hashGrowing(join(base, 'never'), Promise.reject(new Error('zstd died')))).rejects.toThrow('zstd died');
  });

  it('can be relocated without Lathe: plain tar -x, then bin/conda-unpack with python', async () => {
    const base = tmp();
    const src = relocatableEnv(join(base, 'long-source-prefix', 'env'));
    const file = join(base, 'env.tar.gz');
    await packEnv({ prefix: src, name: 'env', output: file, createdBy: 'test' });
    const dest = join(base, 'x', 'env');
    mkdirSync(dest, { recursive: true });
    execFileSync('tar', ['-xzf', file, '-C', dest]);
    const out = execFileSync('/usr/bin/python3', [join(dest, 'bin', 'conda-unpack')], { encoding: 'utf8' });
    expect(out).toContain(`relocated to ${dest}`);
    expect(readFileSync(join(dest, 'etc', 'notes.cfg'), 'utf8')).toBe(`data_dir = ${dest}/share\n`);
    expect(readFileSync(join(dest, 'lib', 'libpython3.11.so')).toString('latin1')).toContain(`${dest}/lib/python3.11\0`);
    expect(readFileSync(join(dest, 'bin', 'tool'), 'utf8').split('\n')[0]).toBe(`#!${dest}/bin/python3.11`);
  });

  it('runs an archive’s own bin/conda-unpack only when allowed: refused, nothing runs or stays; allowed, it runs (issue 14, item 1)', async () => {
    const base = tmp();
    const src = join(base, 'foreign');
    const marker = join(base, 'archive-code-ran');
    mkdirSync(join(src, 'bin'), { recursive: true });
    mkdirSync(join(src, 'conda-meta'));
    // A conda-pack archive from elsewhere: no Lathe manifest, and a "python" that is any program the archive likes.
    writeFileSync(join(src, 'bin', 'python'), `#!/bin/sh\necho "$@" > ${marker}\n`, { mode: 0o755 });
    writeFileSync(join(src, 'bin', 'conda-unpack'), 'print("relocating")\n', { mode: 0o755 });
    const file = join(base, 'foreign.tar.gz');
    execFileSync('tar', ['-czf', file, '-C', src, '.']);
    const dest = join(base, 'envs', 'foreign');
    await expect(unpackEnv({ archive: file, dest })).rejects.toMatchObject({
      code: 'UNPACK_NEEDS_CONSENT',
      message: expect.stringMatching(new RegExp(`no Lathe manifest.*would run \`${dest}/bin/python ${dest}/bin/conda-unpack\`.*Nothing was run and nothing was kept.*--run-conda-unpack`)),
    });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(dest)).toBe(false);
    const r = await unpackEnv({ archive: file, dest, runArchiveScript: true });
    expect(r.method).toBe('conda-unpack');
    expect(readFileSync(marker, 'utf8').trim()).toBe(join(dest, 'bin', 'conda-unpack'));
  });

  it('refuses a longer prefix when binaries have the old one baked in, and leaves nothing behind', async () => {
    const base = tmp();
    const src = relocatableEnv(join(base, 'e'));
    const file = join(base, 'e.tar.gz');
    await packEnv({ prefix: src, name: 'e', output: file, createdBy: 'test' });
    const dest = join(base, 'a-much-longer-destination-folder', 'e');
    await expect(unpackEnv({ archive: file, dest })).rejects.toMatchObject({ code: 'PREFIX_TOO_LONG', message: expect.stringContaining('lib/libpython3.11.so') });
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses to pack a symlink that points outside the env, and writes no archive', async () => {
    const base = tmp();
    const src = makeEnv(join(base, 'e'), { packages: [{ name: 'zlib', version: '1.3' }] });
    symlinkSync('/etc/hostname', join(src, 'outside'));
    const file = join(base, 'e.tar.gz');
    await expect(packEnv({ prefix: src, name: 'e', output: file, createdBy: 'test' })).rejects.toMatchObject({ code: 'PACK_OUTWARD_SYMLINK', message: expect.stringContaining('outside is a symlink to /etc/hostname') });
    expect(readdirSync(base)).toEqual(['e']);
  });

  /** A hostile archive, written entry by entry. */
  async function evilArchive(file: string, entries: RawTarEntry[]): Promise<void> {
    await pipeline(Readable.from([tarBytes(entries)]), createGzip(), createWriteStream(file));
  }

  it.each([
    ['a ../ entry', [{ path: 'ok.txt', type: 'file' as const, mode: 0o644, data: 'fine' }, { path: '../escaped.txt', type: 'file' as const, mode: 0o644, data: 'evil' }], /climbs out/],
    ['an absolute entry', [{ path: '/tmp/lathe-absolute-evil.txt', type: 'file' as const, mode: 0o644, data: 'evil' }], /absolute path/],
    ['an outward symlink then a write through it', [{ path: 'lib', type: 'symlink' as const, mode: 0o777, linkpath: '../..' }, { path: 'lib/escaped.txt', type: 'file' as const, mode: 0o644, data: 'evil' }], /outside the env/],
    ['a file twice', [{ path: 'x.txt', type: 'file' as const, mode: 0o644, data: 'one' }, ...Array.from({ length: 20 }, (_, i) => ({ path: `f${i}.txt`, type: 'file' as const, mode: 0o644, data: 'x'.repeat(1000) })), { path: 'x.txt', type: 'file' as const, mode: 0o644, data: 'two' }], /x\.txt appears twice/],
    ['a file, then a symlink of the same name', [{ path: 'y', type: 'file' as const, mode: 0o644, data: 'file' }, { path: 'y', type: 'symlink' as const, mode: 0o777, linkpath: 'elsewhere' }], /y appears twice/],
    ['a file, then a folder of the same name', [{ path: 'z', type: 'file' as const, mode: 0o644, data: 'file' }, { path: 'z', type: 'dir' as const, mode: 0o755 }], /z appears twice|z is used as a folder/],
    ['a link that leaves through another link', [{ path: 'a', type: 'symlink' as const, mode: 0o777, linkpath: '.' }, { path: 'b', type: 'symlink' as const, mode: 0o777, linkpath: 'a/../escaped-dir' }, { path: 'b/escaped.txt', type: 'file' as const, mode: 0o644, data: 'evil' }], /outside the env/],
  ])('refuses an archive with %s; nothing is written outside the target', async (_what, entries, why) => {
    const base = tmp();
    const file = join(base, 'evil.tar.gz');
    await evilArchive(file, entries);
    const dest = join(base, 'deep', 'dest');
    const fds = readdirSync('/proc/self/fd').length;
    await expect(unpackEnv({ archive: file, dest })).rejects.toMatchObject({ code: 'ARCHIVE_UNSAFE', message: expect.stringMatching(why) });
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync('/proc/self/fd').length).toBe(fds); // files still being created when it failed were closed
    expect(existsSync(join(base, 'deep', 'escaped.txt'))).toBe(false);
    expect(existsSync(join(base, 'escaped.txt'))).toBe(false);
    expect(existsSync('/tmp/lathe-absolute-evil.txt')).toBe(false);
  });

  it('says so for a file that is not an archive, and for a destination that is not empty', async () => {
    const base = tmp();
    writeFileSync(join(base, 'x.tar.gz'), 'not an archive at all');
    await expect(unpackEnv({ archive: join(base, 'x.tar.gz'), dest: join(base, 'd') })).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
    writeFileSync(join(base, 'trunc.tar.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]));
    await expect(unpackEnv({ archive: join(base, 'trunc.tar.gz'), dest: join(base, 'd2') })).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('truncated or corrupt') });
    expect(existsSync(join(base, 'd2'))).toBe(false);
    // A damaged .tar.zst (cut short, or bytes changed in the middle): zstd's complaint is passed on, nothing is left.
    const good = join(base, 'good.tar.zst');
    await packEnv({ prefix: relocatableEnv(join(base, 'envs', 'z')), name: 'z', output: good, createdBy: 'test' });
    const bytes = readFileSync(good);
    writeFileSync(join(base, 'cut.tar.zst'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const flipped = Buffer.from(bytes);
    for (let i = 200; i < 260; i++) flipped[i] = flipped[i]! ^ 0xff;
    writeFileSync(join(base, 'flipped.tar.zst'), flipped);
    for (const bad of ['cut', 'flipped']) {
      await expect(unpackEnv({ archive: join(base, `${bad}.tar.zst`), dest: join(base, `d-${bad}`) })).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('truncated or corrupt') });
      expect(existsSync(join(base, `d-${bad}`))).toBe(false);
    }
    const progress: [number, number][] = [];
    await unpackEnv({ archive: good, dest: join(base, 'd-good'), onProgress: (d, t) => progress.push([d, t]) });
    expect(progress.at(-1)).toEqual([bytes.length, bytes.length]);
    mkdirSync(join(base, 'full'));
    writeFileSync(join(base, 'full', 'f'), '');
    await expect(unpackEnv({ archive: join(base, 'x.tar.gz'), dest: join(base, 'full') })).rejects.toMatchObject({ code: 'ENV_EXISTS' });
  });
});
