import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';

/** CPU time and memory of a process group at one moment. */
export interface GroupSample {
  /** utime + stime of every process in the group, in clock ticks. */
  cpuTicks: number;
  rssBytes: number;
  processes: number;
  at: number;
}

// Linux reports times in USER_HZ (100 on every mainstream architecture) and rss in pages.
const TICKS_PER_SECOND = 100;
const PAGE = 4096;

/** Sums CPU time and resident memory over the processes of a group (Linux /proc); undefined elsewhere or when none is left. */
export async function sampleGroup(pgid: number): Promise<GroupSample | undefined> {
  if (process.platform !== 'linux') return undefined;
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return undefined;
  }
  let cpuTicks = 0;
  let rss = 0;
  let processes = 0;
  await Promise.all(
    names.map(async (n) => {
      if (!/^\d+$/.test(n)) return;
      const stat = await readFile(`/proc/${n}/stat`, 'utf8').catch(() => undefined);
      if (!stat) return;
      // The command name may hold spaces and parentheses: fields start after the last ")".
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) !== pgid) return;
      cpuTicks += Number(f[11]) + Number(f[12]);
      rss += Number(f[21]) * PAGE;
      processes++;
    }),
  );
  return processes ? { cpuTicks, rssBytes: rss, processes, at: Date.now() } : undefined;
}

/** CPU percent (100 = one core) between two samples. */
export function cpuPercent(a: GroupSample, b: GroupSample): number {
  const secs = (b.at - a.at) / 1000;
  return secs > 0 ? Math.max(0, ((b.cpuTicks - a.cpuTicks) / TICKS_PER_SECOND / secs) * 100) : 0;
}

/** Utilisation and memory of GPUs by index or UUID, from nvidia-smi; empty without it. */
export function sampleGpus(ids: string[]): Promise<{ id: string; utilPercent: number; memoryMb: number }[]> {
  if (!ids.length) return Promise.resolve([]);
  return new Promise((res) => {
    execFile('nvidia-smi', ['--query-gpu=index,uuid,utilization.gpu,memory.used', '--format=csv,noheader,nounits'], { timeout: 5000 }, (err, out) => {
      res(err ? [] : parseGpuSamples(out, ids));
    });
  });
}

/**
 * Rows of `nvidia-smi --query-gpu=index,uuid,utilization.gpu,memory.used --format=csv,noheader,nounits`
 * ("0, GPU-9b76…, 37, 593") for the GPUs a run holds, by index or UUID. "[N/A]" fields read as 0.
 */
export function parseGpuSamples(out: string, ids: string[]): { id: string; utilPercent: number; memoryMb: number }[] {
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.split(',').map((x) => x.trim()));
  return rows.filter((r) => ids.includes(r[0]!) || ids.includes(r[1]!)).map((r) => ({ id: r[0]!, utilPercent: Number(r[2]) || 0, memoryMb: Number(r[3]) || 0 }));
}
