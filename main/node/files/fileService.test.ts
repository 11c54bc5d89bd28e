import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryPortPair } from '../../common/memoryTransport';
import { RpcClient, createProxy } from '../../common/rpcClient';
import { RpcServer } from '../../common/rpcServer';
import { FileChannel, type FolderChange } from '../../common/files';
import { tempDirs } from '../../../scripts/test/tempDir';
import { FileService } from './fileService';

const dirs = tempDirs();
let service: FileService | undefined;
afterEach(() => {
  service?.dispose();
  service = undefined;
  dirs.cleanup();
});

function setup() {
  const base = dirs.make();
  const root = join(base, 'ws');
  const trashDir = join(base, 'data', 'trash');
  mkdirSync(root);
  service = new FileService({ root, trashDir });
  return { base, root, trashDir, files: service };
}

describe('FileService', () => {
  it('lists folders first in natural order, hides VCS folders and temp files, and tells links apart', async () => {
    const { base, root, files } = setup();
    for (const f of ['file10.py', 'file2.py', 'B.md', 'a.txt', '.env', '.x.ipynb.lathe-0123abcd.tmp']) writeFileSync(join(root, f), '');
    for (const d of ['zeta', 'Alpha', '.git', '.ipynb_checkpoints']) mkdirSync(join(root, d));
    writeFileSync(join(base, 'secret.txt'), 'outside');
    symlinkSync(join(base, 'secret.txt'), join(root, 'out-link'));
    symlinkSync('zeta', join(root, 'in-link'));
    const listing = await files.list('');
    expect(listing.entries.map((e) => [e.name, e.kind, e.link])).toEqual([
      ['Alpha', 'dir', false],
      ['in-link', 'dir', true],
      ['zeta', 'dir', false],
      ['.env', 'file', false],
      ['a.txt', 'file', false],
      ['B.md', 'file', false],
      ['file2.py', 'file', false],
      ['file10.py', 'file', false],
      ['out-link', 'broken', true],
    ]);
    expect(listing.omitted).toBe(0);
    await expect(files.list('out-link')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(files.list('../')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(files.list('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('creates, renames, moves, copies; refuses to overwrite, to move a folder into itself, or to leave the workspace', async () => {
    const { root, files } = setup();
    expect(await files.create('src/pkg/model.py', 'file')).toEqual({ name: 'model.py', path: 'src/pkg/model.py', kind: 'file', link: false });
    expect((await files.create('data', 'dir')).kind).toBe('dir');
    await expect(files.create('data', 'file')).rejects.toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringContaining('choose another name') });
    expect((await files.move('src/pkg/model.py', 'src/train.py')).path).toBe('src/train.py');
    expect(existsSync(join(root, 'src/train.py'))).toBe(true);
    await expect(files.move('src', 'src/pkg/inner')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('into itself') });
    await expect(files.move('src/train.py', 'data')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(files.move('src/train.py', '../escaped.py')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(files.move('nothing', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await files.copy('src', 'src-copy')).kind).toBe('dir');
    expect(existsSync(join(root, 'src-copy/train.py'))).toBe(true);
    await expect(files.copy('src', 'src/again')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(files.create('', 'dir')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('workspace folder itself') });
    await expect(files.create('bad\u0007name', 'file')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('control character') });
  });

  it('deletes to a trash outside the workspace and restores exactly what was there', async () => {
    const { root, trashDir, files } = setup();
    mkdirSync(join(root, 'exp/run1'), { recursive: true });
    writeFileSync(join(root, 'exp/run1/metrics.csv'), 'step,loss\n1,0.5\n');
    const item = await files.trash('exp');
    expect(item).toMatchObject({ path: 'exp', kind: 'dir', id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(existsSync(join(root, 'exp'))).toBe(false);
    expect(existsSync(join(trashDir, item.id, 'content/run1/metrics.csv'))).toBe(true);
    expect((await files.list('')).entries).toEqual([]);
    // Something new took the name: restoring would overwrite it, so it is refused.
    mkdirSync(join(root, 'exp'));
    await expect(files.restore(item.id)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await files.trash('exp');
    expect(await files.restore(item.id)).toMatchObject({ path: 'exp', kind: 'dir' });
    expect(readFileSync(join(root, 'exp/run1/metrics.csv'), 'utf8')).toBe('step,loss\n1,0.5\n');
    expect(existsSync(join(trashDir, item.id))).toBe(false);
    await expect(files.restore(item.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(files.trash('exp/none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads UTF-8 text; refuses binary, non-UTF-8 and folders saying why; saves atomically and detects changes on disk', async () => {
    const { root, files } = setup();
    writeFileSync(join(root, 'train.py'), 'print("héllo")\n');
    writeFileSync(join(root, 'model.bin'), Buffer.from([1, 2, 0, 3]));
    writeFileSync(join(root, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const opened = await files.read('train.py');
    expect(opened).toMatchObject({ path: 'train.py', text: 'print("héllo")\n', size: 16 });
    await expect(files.read('model.bin')).rejects.toMatchObject({ code: 'FILE_NOT_TEXT', message: expect.stringContaining('binary') });
    await expect(files.read('latin1.txt')).rejects.toMatchObject({ code: 'FILE_NOT_TEXT', message: expect.stringContaining('iconv') });
    mkdirSync(join(root, 'd'));
    await expect(files.read('d')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const saved = await files.write('train.py', 'print(1)\n', { expectedMtimeMs: opened.mtimeMs });
    expect(readFileSync(join(root, 'train.py'), 'utf8')).toBe('print(1)\n');
    utimesSync(join(root, 'train.py'), new Date(), new Date(Date.now() + 5000));
    await expect(files.write('train.py', 'mine\n', { expectedMtimeMs: saved.mtimeMs })).rejects.toMatchObject({ code: 'FILE_CHANGED_ON_DISK' });
    expect(readFileSync(join(root, 'train.py'), 'utf8')).toBe('print(1)\n');
    await files.write('train.py', 'mine\n', { expectedMtimeMs: saved.mtimeMs, force: true });
    expect(readFileSync(join(root, 'train.py'), 'utf8')).toBe('mine\n');
    expect(statSync(join(root, 'train.py')).mode & 0o777).toBe(0o644);
  });

  it('uploads in chunks, refuses to overwrite, and refuses a chunk out of step', async () => {
    const { root, files } = setup();
    const data = Buffer.from('a'.repeat(1000) + 'b'.repeat(500));
    expect(await files.upload('up/data.bin', data.subarray(0, 1000).toString('base64'), 0)).toEqual({ size: 1000 });
    await expect(files.upload('up/data.bin', 'AAAA', 400)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('out of step') });
    expect(await files.upload('up/data.bin', data.subarray(1000).toString('base64'), 1000)).toEqual({ size: 1500 });
    expect(readFileSync(join(root, 'up/data.bin')).equals(data)).toBe(true);
    await expect(files.upload('up/data.bin', 'AAAA', 0)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    // Read back in pieces (downloads, image views): any bytes, with the total size.
    const a = await files.readBytes('up/data.bin', 0, 999);
    const b = await files.readBytes('up/data.bin', 999, 4096);
    expect(a.size).toBe(1500);
    expect(Buffer.concat([Buffer.from(a.base64, 'base64'), Buffer.from(b.base64, 'base64')]).equals(data)).toBe(true);
    expect((await files.readBytes('up/data.bin', 5000, 10)).base64).toBe('');
    await expect(files.readBytes('up', 0, 10)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(files.readBytes('../outside', 0, 10)).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
  });

  it('reports changes in a listed folder over RPC, and the allowlist refuses a malformed trash id', async () => {
    const { root, files } = setup();
    mkdirSync(join(root, 'watched'));
    const server = new RpcServer();
    server.serveChannel(FileChannel, files);
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    const client = createProxy(new RpcClient(a), FileChannel);
    const changes: FolderChange[] = [];
    const sub = client.onDidChange((c) => changes.push(c));
    await client.list('watched');
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(root, 'watched', 'new.txt'), 'x');
    await expect.poll(() => changes, { timeout: 5000 }).toContainEqual({ path: 'watched' });
    await client.unwatch('watched');
    await expect(client.restore('../../etc')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    sub.dispose();
  });
});
