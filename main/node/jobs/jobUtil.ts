import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isOwnProcessAlive } from '../../base/node/processes';
import type { RunStatus } from '../../common/jobs';

/** nvidia-smi's GPUs (index and UUID per device); none when it is missing. */
export function probeGpus(): Promise<string[]> {
  return new Promise((res) => {
    execFile('nvidia-smi', ['--query-gpu=index,uuid', '--format=csv,noheader'], { timeout: 10_000 }, (err, out) => {
      if (err) return res([]);
      res(parseGpuList(out));
    });
  });
}

/** The GPU indexes in `nvidia-smi --query-gpu=index,uuid --format=csv,noheader` output ("0, GPU-9b76…" per line). */
export function parseGpuList(out: string): string[] {
  return out.split('\n').map((l) => l.split(',')[0]!.trim()).filter(Boolean);
}

/** A new run id: time-ordered, with random bits. */
export const newRunId = () => `r${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Whether a run has ended. */
export const isFinal = (s: RunStatus) => s !== 'queued' && s !== 'running';

/** Bytes in a size like "8g" or "512m". */
export function parseSize(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)$/i.exec(s)!;
  return Math.round(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()));
}

/** Whether a pid is a live Lathe job shim (not a reused pid). */
export function shimAlive(pid: number): boolean {
  if (!isOwnProcessAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('jobShim');
  } catch {
    return true; // no /proc (macOS): the pid answered, trust it
  }
}

