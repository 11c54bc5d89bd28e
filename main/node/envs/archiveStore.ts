import type { Db } from '../../base/node/database';
import type { Migration } from '../../base/node/migrations';

/** The table ArchiveStore owns. */
export const archiveMigrations: readonly Migration[] = [
  {
    version: 7,
    name: 'digests of the env archives this Lathe packed',
    sql: `CREATE TABLE packed_archives (sha256 TEXT PRIMARY KEY, slug TEXT NOT NULL, packed_at TEXT NOT NULL);`,
  },
];

/**
 * The sha256 of every archive this Lathe packed or published. An archive relocated by its own bin/conda-unpack (one
 * packed through conda-pack) runs code from the archive; one whose digest is here is known to be the user's own.
 */
export class ArchiveStore {
  constructor(private readonly db: Db) {}

  recordPacked(sha256: string, slug: string): void {
    this.db.prepare('INSERT OR IGNORE INTO packed_archives (sha256, slug, packed_at) VALUES (?, ?, ?)').run(sha256, slug, new Date().toISOString());
  }

  packedHere(sha256: string): boolean {
    return this.db.prepare('SELECT 1 FROM packed_archives WHERE sha256 = ?').get(sha256) !== undefined;
  }
}
