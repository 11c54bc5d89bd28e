import type { Db } from '../main/base/node/database';
import type { Migration } from '../main/base/node/migrations';

/** The tables KernelStore owns. Version 5 also holds the secrets table (secretStore.ts). */
export const kernelMigrations: readonly Migration[] = [
  {
    version: 5,
    name: 'remote Jupyter servers, remembered kernels',
    sql: `CREATE TABLE jupyter_servers (id TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL, added_at TEXT NOT NULL);
          CREATE TABLE kernel_sessions (kernel_id TEXT PRIMARY KEY, server TEXT NOT NULL, spec TEXT NOT NULL, path TEXT, started_at TEXT NOT NULL);`,
  },
  {
    version: 6,
    name: 'the server each notebook last ran on',
    sql: `CREATE TABLE notebook_kernels (path TEXT PRIMARY KEY, server TEXT NOT NULL, spec TEXT NOT NULL, updated_at TEXT NOT NULL);`,
  },
  {
    version: 8,
    name: 'kernel client ids and executions in flight, to get a crashed core\'s outputs back',
    sql: `ALTER TABLE kernel_sessions ADD COLUMN client_id TEXT;
          CREATE TABLE kernel_execs (msg_id TEXT PRIMARY KEY, kernel_id TEXT NOT NULL, exec_id TEXT NOT NULL, started_at TEXT NOT NULL);`,
  },
];

/** A remote Jupyter server the user added (its token is in the secret store, not here). */
export interface ServerRow {
  id: string;
  name: string;
  url: string;
  added_at: string;
}

/** A kernel a core started, remembered so the next core can reattach to it. */
export interface SessionRow {
  kernel_id: string;
  server: string;
  spec: string;
  path: string | null;
  /** The session id the core's connection used: the server keeps that session's messages while it is away. */
  client_id: string | null;
}

/** The kernels' tables: remote servers, live kernel sessions, and the server each notebook last ran on. */
export class KernelStore {
  constructor(private readonly db: Db) {}

  servers(): ServerRow[] {
    return this.db.prepare('SELECT * FROM jupyter_servers ORDER BY added_at').all() as ServerRow[];
  }

  server(id: string): ServerRow | undefined {
    return this.db.prepare('SELECT * FROM jupyter_servers WHERE id = ?').get(id) as ServerRow | undefined;
  }

  /** Adds a server, or renames it when its id (a digest of its URL) is known. */
  putServer(id: string, name: string, url: string, addedAt: string): void {
    this.db.prepare('INSERT INTO jupyter_servers (id, name, url, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name').run(id, name, url, addedAt);
  }

  deleteServer(id: string): void {
    this.db.prepare('DELETE FROM jupyter_servers WHERE id = ?').run(id);
  }

  /** Remembers a started kernel and, when it belongs to a notebook, the server that notebook ran on. */
  rememberSession(kernelId: string, server: string, spec: string, path: string | undefined, startedAt: string, clientId?: string): void {
    this.db.prepare('INSERT OR REPLACE INTO kernel_sessions (kernel_id, server, spec, path, started_at, client_id) VALUES (?, ?, ?, ?, ?, ?)').run(kernelId, server, spec, path ?? null, startedAt, clientId ?? null);
    if (path) this.db.prepare('INSERT OR REPLACE INTO notebook_kernels (path, server, spec, updated_at) VALUES (?, ?, ?, ?)').run(path, server, spec, startedAt);
  }

  sessions(): SessionRow[] {
    return this.db.prepare('SELECT kernel_id, server, spec, path, client_id FROM kernel_sessions').all() as SessionRow[];
  }

  forgetSession(kernelId: string): void {
    this.db.prepare('DELETE FROM kernel_sessions WHERE kernel_id = ?').run(kernelId);
    this.db.prepare('DELETE FROM kernel_execs WHERE kernel_id = ?').run(kernelId);
  }

  /** An execution sent to a kernel (its request's msg_id), until its reply comes. */
  recordExec(kernelId: string, msgId: string, execId: string): void {
    this.db.prepare('INSERT OR REPLACE INTO kernel_execs (msg_id, kernel_id, exec_id, started_at) VALUES (?, ?, ?, ?)').run(msgId, kernelId, execId, new Date().toISOString());
  }

  forgetExec(msgId: string): void {
    this.db.prepare('DELETE FROM kernel_execs WHERE msg_id = ?').run(msgId);
  }

  /** The executions a kernel had in flight when the last core stopped: request msg_id → the caller's execId. */
  execsInFlight(kernelId: string): Map<string, string> {
    return new Map((this.db.prepare('SELECT msg_id, exec_id FROM kernel_execs WHERE kernel_id = ?').all(kernelId) as { msg_id: string; exec_id: string }[]).map((r) => [r.msg_id, r.exec_id]));
  }

  /** Forgets every kernel session on one server (it was removed, or its kernels are gone). */
  forgetServerSessions(server: string): void {
    this.db.prepare('DELETE FROM kernel_sessions WHERE server = ?').run(server);
  }

  /** The server a notebook last ran a kernel on. */
  lastServerFor(path: string): string | undefined {
    return (this.db.prepare('SELECT server FROM notebook_kernels WHERE path = ?').get(path) as { server: string } | undefined)?.server;
  }
}
