import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder for one test, and a function that removes it. */
export function tempDir(prefix = 'lathe-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A maker of temp folders that are all removed by `cleanup()` (call it in afterEach). */
export function tempDirs(prefix = 'lathe-test-'): { make(): string; cleanup(): void } {
  const made: { remove(): void }[] = [];
  return {
    make() {
      const d = tempDir(prefix);
      made.push(d);
      return d.path;
    },
    cleanup() {
      for (const d of made.splice(0)) d.remove();
    },
  };
}

/** Polls `check` until it returns a truthy value or `ms` pass; throws with `what` on time-out. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
