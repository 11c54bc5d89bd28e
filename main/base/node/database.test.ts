import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../scripts/test/tempDir';
import { migrate, openDatabase } from './database';
import { migrations } from './migrations';

let dir: ReturnType<typeof tempDir>;
afterEach(() => dir?.remove());

describe('openDatabase', () => {
  it('opens lathe.db in WAL mode with every migration applied once', () => {
    dir = tempDir();
    const db = openDatabase(dir.path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('k', 'v');
    db.close();
    const again = openDatabase(dir.path);
    expect(again.prepare('SELECT value FROM meta WHERE key = ?').get('k')).toEqual({ value: 'v' });
    again.close();
  });

  it('applies only newer migrations, each atomically', () => {
    dir = tempDir();
    const db = new Database(join(dir.path, 'x.db'));
    const list = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);' },
    ];
    expect(() => migrate(db, list)).toThrow(/nope/);
    // Migration 1 landed, the broken 2 left nothing behind.
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    list[1]!.sql = 'CREATE TABLE b (x INTEGER);';
    expect(migrate(db, list)).toBe(1);
    expect(migrate(db, list)).toBe(0);
    db.close();
  });

  it('refuses a database from a newer Lathe with a clear message', () => {
    dir = tempDir();
    const db = new Database(join(dir.path, 'lathe.db'));
    db.pragma('user_version = 999');
    db.close();
    expect(() => openDatabase(dir.path)).toThrow(/schema version 999, newer than this Lathe/);
  });
});
