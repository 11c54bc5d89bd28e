import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../scripts/test/tempDir';
import { migrate, openDatabase } from './database';
import { coreMigrations, type Migration } from './migrations';

let dir: ReturnType<typeof tempDir>;
afterEach(() => dir?.remove());

describe('openDatabase', () => {
  it('opens lathe.db in WAL mode with every migration applied once', () => {
    dir = tempDir();
    const db = openDatabase(dir.path, coreMigrations);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(coreMigrations.at(-1)!.version);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('k', 'v');
    db.close();
    const again = openDatabase(dir.path, coreMigrations);
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

  it('applies the steps of several areas that share a version in one transaction', () => {
    dir = tempDir();
    const db = new Database(join(dir.path, 'x.db'));
    const list: Migration[] = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'b of area one', sql: 'CREATE TABLE b (x INTEGER);' },
      { version: 2, name: 'c of area two', sql: 'CREATE TABLE c (x INTEGER); INSERT INTO nope VALUES (1);' },
    ];
    expect(() => migrate(db, list)).toThrow(/nope/);
    // Version 2 failed in area two, so area one's table of the same version is not there either.
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('b', 'c')").all()).toEqual([]);
    list[2]!.sql = 'CREATE TABLE c (x INTEGER);';
    expect(migrate(db, list)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    db.close();
  });

  it('refuses a database from a newer Lathe with a clear message', () => {
    dir = tempDir();
    const db = new Database(join(dir.path, 'lathe.db'));
    db.pragma('user_version = 999');
    db.close();
    expect(() => openDatabase(dir.path, coreMigrations)).toThrow(/schema version 999, newer than this Lathe/);
  });
});
