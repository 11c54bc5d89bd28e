import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

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

/**
 * Sums CPU time and resident memory over the processes of a group (Linux /proc); undefined elsewhere or when
 * none is left. The reads are synchronous on purpose: /proc is generated in memory (a read takes microseconds),
 * and hundreds of asynchronous ones (a browser alone runs dozens of processes) queued ahead of the log
 * followers' file reads on libuv's four-thread pool and stalled live logs.
 */
export function sampleGroup(pgid: number): GroupSample | undefined {
  if (process.platform !== 'linux') return undefined;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let cpuTicks = 0;
  let rss = 0;
  let processes = 0;
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${n}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    // The command name may hold spaces and parentheses: fields start after the last ")".
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) !== pgid) continue;
    cpuTicks += Number(f[11]) + Number(f[12]);
    rss += Number(f[21]) * PAGE;
    processes++;
  }
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
