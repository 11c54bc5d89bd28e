import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../scripts/test/tempDir';
import { Logger } from './logger';

let dir: ReturnType<typeof tempDir>;
afterEach(() => dir?.remove());

describe('Logger', () => {
  it('writes JSON lines with level and scope, filtered by level, to a 0600 file', () => {
    dir = tempDir();
    const file = join(dir.path, 'logs', 'core.log');
    const lines: string[] = [];
    const log = new Logger({ level: 'info', file, console: (l) => lines.push(l) });
    log.debug('hidden');
    log.child('terminal').warn('pty paused', { id: 't1' });
    const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 'warn', scope: 'core.terminal', msg: 'pty paused', id: 't1' });
    expect(lines).toEqual(['[warn] core.terminal: pty paused {"id":"t1"}']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('redacts secret-looking keys and registered secret values everywhere', () => {
    dir = tempDir();
    const file = join(dir.path, 'core.log');
    const lines: string[] = [];
    const log = new Logger({ file, console: (l) => lines.push(l) });
    const token = 'abcdefghijklmnop-SECRET';
    log.addSecret(token);
    log.info(`opened http://x/?token=${token}`, { headers: { Authorization: 'Bearer xyz', 'x-ok': 'fine' }, password: 'hunter2', nested: [{ url: `u?${token}` }], err: new Error(`bad ${token}`) });
    const text = readFileSync(file, 'utf8') + lines.join('\n');
    expect(text).not.toContain(token);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('Bearer xyz');
    expect(text).toContain('fine');
    expect(text).toContain('[redacted]');
  });

  it('rotates the file past its size cap', () => {
    dir = tempDir();
    const file = join(dir.path, 'core.log');
    const log = new Logger({ file, maxFileBytes: 2000, console: null });
    for (let i = 0; i < 50; i++) log.info('x'.repeat(100));
    expect(statSync(file).size).toBeLessThanOrEqual(2000);
    expect(statSync(`${file}.1`).size).toBeGreaterThan(1000);
  });
});
