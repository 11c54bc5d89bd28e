// The fuzz suite (issue 14): generated bad frames, paths, archives, notebooks, job specs and env files against the
// real parsers and guards. Fixed seed and a small round count in npm test (bounded time); LATHE_FUZZ=long (or
// LATHE_FUZZ_ROUNDS=N, LATHE_FUZZ_SEED=S) runs longer. Each target states the property it holds.
import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AppError, isAppError } from '../common/errors';
import { createMemoryPortPair } from '../common/memoryTransport';
import type { ChannelSpec } from '../common/rpc';
import { RpcServer } from '../common/rpcServer';
import { StatusChannel } from '../common/status';
import { SettingsChannel } from '../common/settings';
import { TerminalChannel } from '../common/terminal';
import { KernelChannel } from '../common/kernels';
import { NotebookFileChannel } from '../common/notebooks';
import { EnvChannel } from '../common/envs';
import { JobChannel, JobSpecSchema } from '../common/jobs';
import { SecretChannel } from '../common/secrets';
import { emptyNotebook, parseNotebook, serializeNotebook } from '../../kernels/nbformat';
import { resolveInside } from '../base/node/workspacePath';
import { NotebookFileService } from '../../kernels/notebookFileService';
import { unpackEnv } from '../node/envs/envUnpack';
import { parseEnvironmentFile } from '../node/envs/envExport';
import { readSpecFile } from './jobCommand';
import { FUZZ_SEED, anyValue, fuzzRounds, mutate, mutateBytes, randomString, rng } from '../../scripts/test/fuzz';
import { tarBytes, type RawTarEntry } from '../../scripts/test/tarFixture';
import { tempDir } from '../../scripts/test/tempDir';

const base = tempDir('lathe-fuzz-');
afterAll(() => base.remove());

/** Every file and folder under `dir`, relative, sorted (links not followed). */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(relative(dir, join(d, e.name)));
      if (e.isDirectory()) walk(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

/** Long runs (LATHE_FUZZ=long) take minutes per target. */
const TIMEOUT = process.env.LATHE_FUZZ === 'long' || process.env.LATHE_FUZZ_ROUNDS ? 900_000 : undefined;

const CHANNELS = [StatusChannel, SettingsChannel, TerminalChannel, KernelChannel, NotebookFileChannel, EnvChannel, JobChannel, SecretChannel] as ChannelSpec<unknown>[];

describe(`fuzz (seed ${FUZZ_SEED})`, () => {
  it('RPC frames: every call gets one reply, the core survives, and what reaches a service always passed its schema', async () => {
    const r = rng(FUZZ_SEED);
    const bugs: string[] = [];
    const server = new RpcServer({ onBug: (err, where) => bugs.push(`${where}: ${String(err)}`) });
    // Stand-in services record what reaches them; the subject is the contract layer in front of them.
    const reached: { spec: ChannelSpec<unknown>; m: string; args: unknown[] }[] = [];
    for (const spec of CHANNELS) {
      const impl: Record<string, unknown> = {};
      for (const m of Object.keys(spec.methods)) impl[m] = async (...args: unknown[]) => void reached.push({ spec, m, args: args.slice(0, (spec.methods as Record<string, unknown[]>)[m]!.length) });
      const never = () => ({ dispose() {} });
      for (const [e, arg] of Object.entries(spec.events)) impl[e] = arg === null ? never : () => never;
      server.serveChannel(spec as ChannelSpec<object>, impl as object);
    }
    // Well-formed calls and damaged frames go over two connections, so a damaged frame whose id was changed into a
    // well-formed call's id cannot be taken for a second reply to it.
    const [client, serverSide] = createMemoryPortPair();
    server.accept(serverSide);
    const [garbage, garbageSide] = createMemoryPortPair();
    server.accept(garbageSide);
    const replies = new Map<number, number>();
    let fatals = 0;
    garbage.onMessage((raw) => {
      if ((JSON.parse(raw) as { t: string }).t === 'fatal') fatals++;
    });
    client.onMessage((raw) => {
      const f = JSON.parse(raw) as { t: string; id?: number };
      if (f.t === 'fatal') throw new Error(`a well-formed call was answered with a fatal frame: ${raw}`);
      else if ((f.t === 'ok' || f.t === 'err') && f.id !== undefined) replies.set(f.id, (replies.get(f.id) ?? 0) + 1);
    });
    const calls: number[] = [];
    const rounds = fuzzRounds(3000);
    for (let i = 0; i < rounds; i++) {
      const spec = r.pick(CHANNELS);
      const methods = Object.keys(spec.methods);
      const m = r.chance(0.9) ? r.pick(methods) : randomString(r, 6);
      const id = 1_000_000 + i;
      const frame = { t: 'call', id, ch: r.chance(0.95) ? spec.name : randomString(r, 5), m, a: Array.from({ length: r.int(4) }, () => anyValue(r)) };
      const kind = r.int(10);
      if (kind === 0) garbage.send(mutateBytes(r, Buffer.from(JSON.stringify(frame))).toString('latin1'));
      else if (kind === 1) garbage.send(JSON.stringify(mutate(r, frame)));
      else {
        calls.push(id);
        client.send(JSON.stringify(frame));
      }
    }
    await new Promise((res) => setTimeout(res, 50));
    for (const id of calls) expect(replies.get(id), `replies to call ${id}`).toBe(1);
    for (const { spec, m, args } of reached) {
      const schemas = (spec.methods as Record<string, readonly { safeParse(v: unknown): { success: boolean } }[]>)[m]!;
      args.forEach((a, i) => expect(schemas[i]!.safeParse(a).success, `${spec.name}.${m} argument ${i + 1}`).toBe(true));
    }
    expect(bugs).toEqual([]);
    expect(reached.length).toBeGreaterThan(0); // some calls were valid enough to pass, so the property was exercised
    expect(fatals).toBeGreaterThan(0);
    server.dispose();
  }, TIMEOUT);

  it('paths: a workspace path resolves inside the workspace or is refused with a clear error', async () => {
    const r = rng(FUZZ_SEED + 1);
    const root = join(base.path, 'ws');
    const outside = join(base.path, 'outside');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, join(root, 'out'));
    symlinkSync('../..', join(root, 'a', 'up'));
    symlinkSync(join(outside, 'nothing'), join(root, 'dangling'));
    const realRoot = realpathSync(root);
    const segments = ['..', '.', 'a', 'b', 'out', 'up', 'dangling', '', 'x.ipynb', '%2e%2e', '\0', '~', '...', 'a'.repeat(255)];
    for (let i = 0; i < fuzzRounds(2000); i++) {
      const rel = (r.chance(0.1) ? '/' : '') + Array.from({ length: 1 + r.int(5) }, () => r.pick(segments)).join(r.chance(0.9) ? '/' : '\\');
      let abs: string;
      try {
        abs = resolveInside(root, rel);
      } catch (err) {
        expect(isAppError(err), `${JSON.stringify(rel)} threw ${String(err)}`).toBe(true);
        expect(['PATH_OUTSIDE_WORKSPACE', 'INVALID_ARGUMENT']).toContain((err as AppError).code);
        continue;
      }
      expect(abs === realRoot || abs.startsWith(realRoot + sep), JSON.stringify(rel)).toBe(true);
      let probe = abs;
      while (!existsSync(probe) && probe.length > realRoot.length) probe = probe.slice(0, probe.lastIndexOf(sep));
      const real = realpathSync(probe);
      expect(real === realRoot || real.startsWith(realRoot + sep), `${JSON.stringify(rel)} → ${real}`).toBe(true);
    }
    // The same paths through the notebook service: a save lands inside the workspace or fails with an AppError.
    const svc = new NotebookFileService({ root });
    const outsideBefore = listing(outside);
    for (let i = 0; i < fuzzRounds(300); i++) {
      const rel = Array.from({ length: 1 + r.int(4) }, () => r.pick(segments)).join('/') + r.pick(['.ipynb', '/n.ipynb', '']);
      for (const op of [() => svc.save(rel, emptyNotebook()), () => svc.open(rel), () => svc.createCheckpoint(rel)]) {
        await op().catch((err: unknown) => expect(isAppError(err), `${JSON.stringify(rel)} threw ${String(err)}`).toBe(true));
      }
    }
    expect(listing(outside)).toEqual(outsideBefore);
  }, TIMEOUT);

  it('archives: a hostile or damaged env archive unpacks inside its destination or is refused, and writes nothing elsewhere', async () => {
    const r = rng(FUZZ_SEED + 2);
    const sandbox = join(base.path, 'archives');
    mkdirSync(sandbox);
    const names = ['bin', 'lib', 'bin/python', 'lib/x.so', '..', '../escape', '/tmp/lathe-fuzz-abs', 'a/../../escape', 'link', 'link/through', 'conda-meta', '.lathe-pack/manifest.json', 'bin/conda-unpack', 'é/数据', 'a'.repeat(200)];
    const entry = (): RawTarEntry => {
      const type = r.pick(['file', 'file', 'dir', 'symlink'] as const);
      const path = Array.from({ length: 1 + r.int(3) }, () => r.pick(names)).join('/');
      return type === 'symlink' ? { path, type, mode: 0o777, linkpath: r.pick(['..', '../..', '/etc', 'bin', '.', 'lib/x.so', '../../../tmp']) } : { path, type, mode: r.pick([0o644, 0o755, 0o4755, 0o777]), data: type === 'file' ? randomString(r, r.int(100)) : undefined };
    };
    const valid = tarBytes([{ path: 'bin', type: 'dir', mode: 0o755 }, { path: 'bin/tool', type: 'file', mode: 0o755, data: '#!/bin/sh\n' }, { path: 'conda-meta', type: 'dir', mode: 0o755 }]);
    const before = listing(base.path).filter((p) => !p.startsWith('archives'));
    for (let i = 0; i < fuzzRounds(60); i++) {
      const file = join(sandbox, `a${i}.tar.gz`);
      const tar = r.chance(0.7) ? tarBytes(Array.from({ length: 1 + r.int(6) }, entry)) : valid;
      const gz = await new Promise<Buffer>((res, rej) => {
        const parts: Buffer[] = [];
        const z = createGzip();
        z.on('data', (d: Buffer) => parts.push(d)).on('end', () => res(Buffer.concat(parts))).on('error', rej);
        z.end(tar);
      });
      writeFileSync(file, r.chance(0.3) ? mutateBytes(r, gz) : gz);
      const dest = join(sandbox, `d${i}`, 'env');
      try {
        await unpackEnv({ archive: file, dest });
        const realDest = realpathSync(dest);
        for (const p of listing(dest)) {
          const full = join(dest, p);
          if (existsSync(full)) expect(realpathSync(full).startsWith(realDest), `${p} in archive ${i}`).toBe(true);
        }
      } catch (err) {
        expect(isAppError(err), `archive ${i} threw ${String(err)}`).toBe(true);
        expect(existsSync(dest), `archive ${i} left ${dest}`).toBe(false);
      }
      expect(existsSync(join(sandbox, `d${i}`, 'escape')) || existsSync(join(sandbox, 'escape')) || existsSync('/tmp/lathe-fuzz-abs')).toBe(false);
    }
    expect(listing(base.path).filter((p) => !p.startsWith('archives'))).toEqual(before);
  }, TIMEOUT);

  it('notebooks: damaged notebook JSON is read or refused with a notebook error, and what is read writes back as it reads', () => {
    const r = rng(FUZZ_SEED + 3);
    const nb = { ...emptyNotebook(), cells: [{ cell_type: 'code', id: 'c1', metadata: { tags: ['x'] }, source: ['a = 1\n', 'a'], execution_count: 2, outputs: [{ output_type: 'execute_result', execution_count: 2, metadata: {}, data: { 'text/plain': ['1'] } }, { output_type: 'stream', name: 'stdout', text: 'hi\n' }] }, { cell_type: 'markdown', id: 'm1', metadata: {}, source: '# t', attachments: {} }] };
    for (let i = 0; i < fuzzRounds(1500); i++) {
      const text = r.chance(0.7) ? JSON.stringify(mutate(r, nb)) : mutateBytes(r, Buffer.from(serializeNotebook(nb as never))).toString('utf8');
      let parsed;
      try {
        parsed = parseNotebook(text, 'fuzz.ipynb');
      } catch (err) {
        expect(isAppError(err), `round ${i} threw ${String(err)}`).toBe(true);
        expect((err as AppError).code).toMatch(/^NOTEBOOK_/);
        continue;
      }
      const again = parseNotebook(serializeNotebook(parsed), 'again.ipynb');
      expect(serializeNotebook(again)).toBe(serializeNotebook(parsed));
    }
  }, TIMEOUT);

  it('job specs: any YAML or value is a valid spec or refused as INVALID_SPEC, never a crash', () => {
    const r = rng(FUZZ_SEED + 4);
    const spec = { name: 'train', command: ['python', 'train.py'], env: { conda: 'ml' }, params: { lr: 0.01 }, resources: { gpus: 1 }, timeout: '30m', retries: 1, secrets: ['API_TOKEN'], target: { docker: { image: 'x:1' } } };
    const dir = join(base.path, 'specs');
    mkdirSync(dir);
    for (let i = 0; i < fuzzRounds(800); i++) {
      const value = mutate(r, spec);
      expect(() => JobSpecSchema.safeParse(value)).not.toThrow();
      const file = join(dir, `s${i}.yaml`);
      const yaml = stringify(value ?? null);
      writeFileSync(file, r.chance(0.5) ? mutateBytes(r, Buffer.from(yaml)) : yaml);
      try {
        const read = readSpecFile(file);
        expect(() => JobSpecSchema.safeParse(read)).not.toThrow();
      } catch (err) {
        expect(isAppError(err), `spec ${i} threw ${String(err)}`).toBe(true);
        expect((err as AppError).code).toBe('INVALID_SPEC');
      }
    }
  }, TIMEOUT);

  it('env files: any environment.yml text parses or is refused as ENV_FILE_INVALID', () => {
    const r = rng(FUZZ_SEED + 5);
    const text = 'name: ml\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy>=1.26\n  - pip:\n    - requests\n';
    for (let i = 0; i < fuzzRounds(1500); i++) {
      const t = r.chance(0.5) ? mutateBytes(r, Buffer.from(text)).toString('utf8') : stringify(mutate(r, { name: 'ml', channels: ['conda-forge'], dependencies: ['python=3.11', { pip: ['requests'] }] }) ?? null);
      try {
        const f = parseEnvironmentFile(t);
        expect(f.conda.every((c) => typeof c === 'string') && f.pip.every((c) => typeof c === 'string')).toBe(true);
      } catch (err) {
        expect(isAppError(err), `env file ${i} threw ${String(err)}: ${JSON.stringify(t).slice(0, 200)}`).toBe(true);
        expect((err as AppError).code).toBe('ENV_FILE_INVALID');
      }
    }
  }, TIMEOUT);
});
