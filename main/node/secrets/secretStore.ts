import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../common/errors';
import type { SecretKeySource } from '../../common/secrets';
import type { Db } from '../../base/node/database';
import type { Migration } from '../../base/node/migrations';
import { MetaStore } from '../../base/node/metaStore';

/** The table SecretStore owns (its key check lives in `meta` as `secrets.check`). Version 5 also holds the kernels' tables. */
export const secretMigrations: readonly Migration[] = [
  {
    version: 5,
    name: 'secrets (encrypted)',
    sql: `CREATE TABLE secrets (ns TEXT NOT NULL, name TEXT NOT NULL, iv BLOB NOT NULL, tag BLOB NOT NULL, data BLOB NOT NULL,
            length INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (ns, name));`,
  },
];

/** The store's AES-256 key and where it came from. */
export interface StoreKey {
  key: Buffer;
  source: SecretKeySource;
}

const KEY_BYTES = 32;
const CHECK_PLAINTEXT = 'lathe secret store key check';
/** The `meta` record that holds CHECK_PLAINTEXT sealed with the key. */
const CHECK_KEY = 'secrets.check';

/**
 * Finds the key that encrypts secrets at rest, in this order:
 * - `LATHE_STORE_KEY` (base64, 32 bytes): the desktop shell passes the key it keeps in the OS keychain this way
 *   (with `LATHE_STORE_KEY_SOURCE=desktop-keychain`), and a team server can take it from its own vault;
 * - `LATHE_STORE_KEY_FILE`: a file holding the key, e.g. on a separate volume;
 * - `<dataDir>/store.key`: created on first use, readable by the owner only (refused if others can read it, as ssh does).
 */
export function loadStoreKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): StoreKey {
  if (env.LATHE_STORE_KEY) {
    const key = Buffer.from(env.LATHE_STORE_KEY, 'base64');
    if (key.length !== KEY_BYTES) throw new AppError('STORE_KEY_INVALID', `LATHE_STORE_KEY must be ${KEY_BYTES} bytes in base64 (it decodes to ${key.length}). Generate one with: openssl rand -base64 32`);
    return { key, source: env.LATHE_STORE_KEY_SOURCE === 'desktop-keychain' ? 'desktop-keychain' : 'env' };
  }
  const file = env.LATHE_STORE_KEY_FILE || join(dataDir, 'store.key');
  try {
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, randomBytes(KEY_BYTES).toString('base64') + '\n');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new AppError('STORE_KEY_UNAVAILABLE', `Cannot create the secret store key ${file}: ${(err as Error).message}. Check the folder's permissions or set LATHE_STORE_KEY_FILE.`);
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new AppError('STORE_KEY_EXPOSED', `The secret store key ${file} can be read by other users. Restrict it with: chmod 600 ${file}`);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new AppError('STORE_KEY_INVALID', `The secret store key ${file} is not ${KEY_BYTES} bytes of base64. Restore it from a backup; if it is lost, so are the secrets (remove them with \`lathe secret reset\`).`);
  return { key, source: 'key-file' };
}

interface Row {
  ns: string;
  name: string;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
  length: number;
  updated_at: string;
}

/**
 * Secrets in SQLite, each value sealed with AES-256-GCM under its own random IV, its namespace and name bound in as
 * associated data (a value moved to another row does not decrypt). Namespaces keep apart the user's secrets
 * ("user") and the core's own (e.g. "jupyter" server tokens). The key is loaded on first use, and checked
 * against a sealed marker so a wrong key is reported once, plainly, instead of as broken secrets.
 */
export class SecretStore {
  private key: StoreKey | undefined;
  private readonly meta: MetaStore;

  constructor(
    private readonly db: Db,
    private readonly keyLoader: () => StoreKey,
    /** Told every value that leaves the store, so the logger can redact it. */
    private readonly onReveal: (value: string) => void = () => undefined,
  ) {
    this.meta = new MetaStore(db);
  }

  /** Where the key comes from (loads it). */
  keySource(): SecretKeySource {
    return this.ensureKey().source;
  }

  get(ns: string, name: string): string | undefined {
    const key = this.ensureKey().key;
    const row = this.db.prepare('SELECT * FROM secrets WHERE ns = ? AND name = ?').get(ns, name) as Row | undefined;
    if (!row) return undefined;
    const value = open(key, row.iv, row.tag, row.data, `${ns}\0${name}`);
    if (value === undefined) throw new AppError('SECRET_CORRUPT', `The secret ${name} cannot be decrypted (its record was altered). Set it again.`);
    this.onReveal(value);
    return value;
  }

  set(ns: string, name: string, value: string): { name: string; updatedAt: string; length: number } {
    const key = this.ensureKey().key;
    const { iv, tag, data } = seal(key, value, `${ns}\0${name}`);
    const updatedAt = new Date().toISOString();
    this.db.prepare('INSERT INTO secrets (ns, name, iv, tag, data, length, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ns, name) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, data = excluded.data, length = excluded.length, updated_at = excluded.updated_at').run(ns, name, iv, tag, data, value.length, updatedAt);
    return { name, updatedAt, length: value.length };
  }

  delete(ns: string, name: string): boolean {
    return this.db.prepare('DELETE FROM secrets WHERE ns = ? AND name = ?').run(ns, name).changes > 0;
  }

  /** Names and metadata of a namespace's secrets, never values (needs no key). */
  list(ns: string): { name: string; updatedAt: string; length: number }[] {
    return (this.db.prepare('SELECT name, length, updated_at FROM secrets WHERE ns = ? ORDER BY name').all(ns) as Row[]).map((r) => ({ name: r.name, updatedAt: r.updated_at, length: r.length }));
  }

  /** Deletes every secret and the key marker: the way out when the key is lost. */
  reset(): number {
    const n = this.db.prepare('DELETE FROM secrets').run().changes;
    this.meta.delete(CHECK_KEY);
    this.key = undefined;
    return n;
  }

  private ensureKey(): StoreKey {
    if (this.key) return this.key;
    const k = this.keyLoader();
    const c = this.meta.get<{ iv: string; tag: string; data: string }>(CHECK_KEY);
    if (c) {
      if (open(k.key, Buffer.from(c.iv, 'base64'), Buffer.from(c.tag, 'base64'), Buffer.from(c.data, 'base64'), 'check') !== CHECK_PLAINTEXT) {
        throw new AppError('STORE_KEY_MISMATCH', `The secrets in this data dir were encrypted with another key than the one from ${describeSource(k.source)}. Restore that key (LATHE_STORE_KEY, LATHE_STORE_KEY_FILE or the data dir's store.key); if it is lost, so are the secrets: run \`lathe secret reset\` and set them again.`);
      }
    } else {
      const s = seal(k.key, CHECK_PLAINTEXT, 'check');
      this.meta.set(CHECK_KEY, { iv: s.iv.toString('base64'), tag: s.tag.toString('base64'), data: s.data.toString('base64') });
    }
    this.key = k;
    return k;
  }
}

function describeSource(s: SecretKeySource): string {
  return s === 'env' ? 'LATHE_STORE_KEY' : s === 'desktop-keychain' ? 'the desktop keychain' : 'the key file';
}

function seal(key: Buffer, value: string, aad: string): { iv: Buffer; tag: Buffer; data: Buffer } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const data = Buffer.concat([c.update(value, 'utf8'), c.final()]);
  return { iv, tag: c.getAuthTag(), data };
}

function open(key: Buffer, iv: Buffer, tag: Buffer, data: Buffer, aad: string): string | undefined {
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(data), d.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
