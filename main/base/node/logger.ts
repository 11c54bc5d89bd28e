import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redactor } from './redact';

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|secret|password|passwd|authorization|api[-_]?key|cookie/i;
const REDACTED = '[redacted]';

/** Options for a logger. */
export interface LoggerOptions {
  level?: LogLevel;
  /** JSON-lines file; rotated to `<file>.1` past `maxFileBytes`. */
  file?: string;
  maxFileBytes?: number;
  /** Where human-readable lines go (default stderr); null for none. */
  console?: ((line: string) => void) | null;
}

/**
 * A structured logger: JSON lines to a file, short lines to the console. Values under secret-looking keys
 * and any registered secret string are redacted before anything is written.
 */
export class Logger {
  private readonly secrets: Redactor;
  private readonly level: number;
  private written = 0;

  constructor(
    private readonly options: LoggerOptions = {},
    private readonly scope = 'core',
    secrets?: Redactor,
  ) {
    this.level = order[options.level ?? 'info'];
    this.secrets = secrets ?? new Redactor([], REDACTED);
    if (options.file) {
      mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
      try {
        this.written = statSync(options.file).size;
      } catch {
        this.written = 0;
      }
    }
  }

  /** A logger for a sub-area that shares this one's sinks and secrets. */
  child(scope: string): Logger {
    return new Logger(this.options, `${this.scope}.${scope}`, this.secrets);
  }

  /** Registers a secret value (a token, a password) that must never be written out. */
  addSecret(value: string): void {
    this.secrets.add(value);
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.write('error', msg, fields);
  }

  private redactString(s: string): string {
    return this.secrets.redact(s);
  }

  private redactValue(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.redactString(v);
    if (v instanceof Error) return { name: v.name, message: this.redactString(v.message), stack: v.stack && this.redactString(v.stack) };
    if (depth > 6 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.redactValue(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEY.test(k) ? REDACTED : this.redactValue(x, depth + 1);
    return out;
  }

  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (order[level] < this.level) return;
    const clean = fields ? (this.redactValue(fields, 0) as Record<string, unknown>) : undefined;
    const text = this.redactString(msg);
    const record = { time: new Date().toISOString(), level, scope: this.scope, msg: text, ...clean };
    if (this.options.file) this.appendFile(JSON.stringify(record) + '\n');
    const sink = this.options.console === undefined ? (l: string) => process.stderr.write(l + '\n') : this.options.console;
    if (sink) sink(`[${level}] ${this.scope}: ${text}${clean && Object.keys(clean).length ? ' ' + JSON.stringify(clean) : ''}`);
  }

  private appendFile(line: string): void {
    const file = this.options.file!;
    const max = this.options.maxFileBytes ?? 10 * 1024 * 1024;
    try {
      if (this.written + line.length > max) {
        renameSync(file, `${file}.1`);
        this.written = 0;
      }
      appendFileSync(file, line, { mode: 0o600 });
      this.written += Buffer.byteLength(line);
    } catch {
      // Logging must never take the core down (disk full, file removed); the console line still goes out.
    }
  }
}
