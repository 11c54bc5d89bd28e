import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryPortPair } from '../../common/memoryTransport';
import { RpcClient, createProxy } from '../../common/rpcClient';
import { RpcServer } from '../../common/rpcServer';
import { SecretChannel } from '../../common/secrets';
import { tempDirs } from '../../../scripts/test/tempDir';
import { openDatabase } from '../../base/node/database';
import { SecretService } from './secretService';
import { SecretStore, loadStoreKey, secretMigrations } from './secretStore';
import { coreMigrations } from '../../base/node/migrations';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function world(env: NodeJS.ProcessEnv = {}) {
  const dataDir = dirs.make();
  const db = openDatabase(dataDir, [...coreMigrations, ...secretMigrations]);
  const revealed: string[] = [];
  const store = new SecretStore(db, () => loadStoreKey(dataDir, env), (v) => revealed.push(v));
  return { dataDir, db, store, revealed };
}

describe('the secret store', () => {
  it('keeps values encrypted on disk, under a key file only the owner can read', () => {
    const { dataDir, db, store, revealed } = world();
    store.set('user', 'API_TOKEN', 'hunter2-very-secret-value');
    expect(store.get('user', 'API_TOKEN')).toBe('hunter2-very-secret-value');
    expect(revealed).toEqual(['hunter2-very-secret-value']);
    expect(store.list('user')).toEqual([{ name: 'API_TOKEN', updatedAt: expect.any(String), length: 25 }]);
    expect(store.get('user', 'NOPE')).toBeUndefined();
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of readdirSync(dataDir)) {
      if (statSync(join(dataDir, f)).isFile()) expect(readFileSync(join(dataDir, f)).includes('hunter2-very-secret-value'), f).toBe(false);
    }
    expect(statSync(join(dataDir, 'store.key')).mode & 0o777).toBe(0o600);
    db.close();
  });

  it('refuses a key file others can read, naming the fix', () => {
    const { dataDir, store, db } = world();
    store.set('user', 'A', 'x');
    chmodSync(join(dataDir, 'store.key'), 0o644);
    const again = new SecretStore(db, () => loadStoreKey(dataDir, {}));
    expect(() => again.get('user', 'A')).toThrow(/can be read by other users.*chmod 600/);
    db.close();
  });

  it('reports a different key once and plainly; reset is the way out', () => {
    const { dataDir, store, db } = world();
    store.set('user', 'A', 'one');
    const other = Buffer.alloc(32, 7).toString('base64');
    const wrong = new SecretStore(db, () => loadStoreKey(dataDir, { LATHE_STORE_KEY: other }));
    expect(() => wrong.get('user', 'A')).toThrow(/encrypted with another key than the one from LATHE_STORE_KEY.*lathe secret reset/);
    expect(() => wrong.set('user', 'B', 'two')).toThrow(/another key/);
    expect(wrong.reset()).toBe(1);
    wrong.set('user', 'B', 'two');
    expect(wrong.get('user', 'B')).toBe('two');
    expect(() => new SecretStore(db, () => loadStoreKey(dataDir, { LATHE_STORE_KEY: 'c2hvcnQ=' })).get('user', 'B')).toThrow(/32 bytes in base64.*openssl rand/);
    db.close();
  });

  it('binds each value to its name: a record copied onto another name does not decrypt', () => {
    const { store, db } = world();
    store.set('user', 'A', 'value-a');
    store.set('user', 'B', 'value-b');
    db.prepare("UPDATE secrets SET iv = (SELECT iv FROM secrets WHERE name = 'A'), tag = (SELECT tag FROM secrets WHERE name = 'A'), data = (SELECT data FROM secrets WHERE name = 'A') WHERE name = 'B'").run();
    expect(() => store.get('user', 'B')).toThrow(/cannot be decrypted.*Set it again/);
    expect(store.get('user', 'A')).toBe('value-a');
    // Namespaces are apart too.
    expect(store.get('jupyter', 'A')).toBeUndefined();
    db.close();
  });

  it('uses LATHE_STORE_KEY_FILE when given', () => {
    const keyDir = dirs.make();
    const keyFile = join(keyDir, 'k');
    writeFileSync(keyFile, Buffer.alloc(32, 3).toString('base64'), { mode: 0o600 });
    const { store, dataDir, db } = world({ LATHE_STORE_KEY_FILE: keyFile });
    store.set('user', 'A', 'v');
    expect(() => readFileSync(join(dataDir, 'store.key'))).toThrow();
    expect(store.keySource()).toBe('key-file');
    db.close();
  });
});

describe('the secrets channel', () => {
  it('lists names without values, validates names, and says what is missing', async () => {
    const { store, db } = world();
    const server = new RpcServer();
    const svc = new SecretService(store);
    server.serveChannel(SecretChannel, svc);
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    const proxy = createProxy(new RpcClient(a), SecretChannel);
    const seen: string[][] = [];
    proxy.onDidChange((l) => seen.push(l.map((s) => s.name)));
    expect(await proxy.set('HF_TOKEN', 'hf_abcdef')).toMatchObject({ name: 'HF_TOKEN', length: 9 });
    const listed = await proxy.list();
    expect(listed).toEqual([{ name: 'HF_TOKEN', updatedAt: expect.any(String), length: 9 }]);
    expect(JSON.stringify(listed)).not.toContain('hf_abcdef');
    expect(svc.reveal('HF_TOKEN')).toBe('hf_abcdef');
    await expect(proxy.set('lower case', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('upper-case name') });
    await expect(proxy.set('EMPTY', '')).rejects.toMatchObject({ message: expect.stringContaining('empty secret') });
    await expect(proxy.delete('NOPE')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('lathe secret list') });
    await proxy.delete('HF_TOKEN');
    expect(await proxy.list()).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([['HF_TOKEN'], []]);
    expect(await proxy.keySource()).toBe('key-file');
    db.close();
  });
});
