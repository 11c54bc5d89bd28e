/**
 * What a pid stands for now. `foreign`: a process exists but belongs to another user (EPERM), so it cannot be one
 * Lathe started (a pid reused after ours ended) and cannot be signalled; `gone`: no such process.
 */
export type PidState = 'alive' | 'foreign' | 'gone';

/** Probes `pid` with signal 0 (nothing is delivered). */
export function pidState(pid: number): PidState {
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'foreign' : 'gone';
  }
}

/** Whether `pid` is a live process of this user: the only kind that can be a process Lathe started. */
export function isOwnProcessAlive(pid: number): boolean {
  return pidState(pid) === 'alive';
}

/** Sends `signal` to the process group led by `pid` (to `pid` alone if it leads none); one already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone.
    }
  }
}
