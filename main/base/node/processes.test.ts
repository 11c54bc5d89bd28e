import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isOwnProcessAlive, pidState, signalGroup } from './processes';

describe('processes', () => {
  it('tells a live process of ours from one that has ended', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    const pid = child.pid!;
    expect(pidState(pid)).toBe('alive');
    expect(isOwnProcessAlive(pid)).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    signalGroup(pid, 'SIGKILL');
    await exited;
    expect(pidState(pid)).toBe('gone');
    expect(isOwnProcessAlive(pid)).toBe(false);
  });

  // pid 1 belongs to root, and root may signal every process: only another user sees it as foreign.
  it.skipIf(process.getuid?.() === 0)('calls a process of another user foreign, not ours', () => {
    expect(pidState(1)).toBe('foreign');
    expect(isOwnProcessAlive(1)).toBe(false);
  });

  it('signals a group that is already gone without throwing', () => {
    expect(() => signalGroup(2 ** 22 - 1, 'SIGTERM')).not.toThrow();
  });
});
