import { createReadStream, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { END_OF_ARCHIVE, entryHeader, padding } from '../../base/node/tarWriter';
import { extractTar } from '../../base/node/tarExtract';

/**
 * What a container on another host gets instead of bind mounts: Lathe copies the job's files in (the working
 * folder at /work, the conda env and Lathe's client at their own paths, so the env's baked-in prefix still holds),
 * streams metrics over stderr, and copies the run's artifacts back out when it ends.
 */

/** The marker before a metrics record on the container's stderr (the Python client writes it in copy mode). */
export const METRICS_MARKER = '\u001elathe-metrics ';

/** A host folder and where its copy goes in the container (an absolute path). */
export interface CopyIn {
  hostPath: string;
  containerPath: string;
}

/**
 * One tar stream, rooted at "/", holding each folder under its container path, with the parent folders named
 * first. Files, folders and symlinks are copied; sockets and devices are skipped.
 */
export function tarForContainer(items: CopyIn[]): Readable {
  return Readable.from(
    (async function* () {
      const made = new Set<string>();
      for (const { hostPath, containerPath } of items) {
        const rel = containerPath.replace(/^\/+|\/+$/g, '');
        const parts = rel.split('/');
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join('/');
          if (made.has(dir)) continue;
          made.add(dir);
          yield entryHeader({ path: dir, type: 'dir', mode: 0o755, mtime: Date.now() / 1000 });
        }
        yield* walk(hostPath, rel, made);
      }
      yield END_OF_ARCHIVE;
    })(),
  );
}

async function* walk(abs: string, rel: string, made: Set<string>): AsyncGenerator<Buffer> {
  const st = lstatSync(abs);
  const mtime = st.mtimeMs / 1000;
  if (st.isSymbolicLink()) {
    yield entryHeader({ path: rel, type: 'symlink', mode: 0o777, mtime, linkpath: readlinkSync(abs) });
  } else if (st.isDirectory()) {
    if (!made.has(rel)) {
      made.add(rel);
      yield entryHeader({ path: rel, type: 'dir', mode: st.mode, mtime });
    }
    for (const name of readdirSync(abs).sort()) yield* walk(join(abs, name), posix.join(rel, name), made);
  } else if (st.isFile()) {
    yield entryHeader({ path: rel, type: 'file', mode: st.mode, size: st.size, mtime });
    let sent = 0;
    for await (const chunk of createReadStream(abs)) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    // A file that shrank while it was read would misalign the archive: pad it to the size in its header.
    if (sent < st.size) yield Buffer.alloc(st.size - sent);
    yield Buffer.alloc(padding(st.size));
  }
}

/** Splits a stderr line into what the job printed and a metrics record the client sent along it, if any. */
export function splitMetricsLine(line: string): { text?: string; record?: string } {
  const at = line.indexOf(METRICS_MARKER);
  if (at < 0) return { text: line };
  const text = line.slice(0, at);
  return { ...(text ? { text } : {}), record: line.slice(at + METRICS_MARKER.length) };
}

/** The artifact paths a run's client recorded (metrics.jsonl records of kind "a"). */
export function recordedArtifacts(runDir: string): string[] {
  let text = '';
  try {
    text = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.includes('"k":"a"')) continue;
    try {
      const r = JSON.parse(line) as { k: string; p?: string };
      if (r.k === 'a' && typeof r.p === 'string') out.add(r.p);
    } catch {
      // A torn last line: the watcher reports it; nothing to copy.
    }
  }
  return [...out];
}

/**
 * Copies each artifact out of a stopped container into `<runDir>/artifacts/`, through the engine's archive API and
 * Lathe's safe extractor (nothing lands outside that folder). Returns what could not be copied, and why.
 */
export async function copyArtifactsOut(container: Docker.Container, paths: string[], runDir: string): Promise<string[]> {
  const dest = join(runDir, 'artifacts');
  await mkdir(dest, { recursive: true });
  const failed: string[] = [];
  for (const p of paths) {
    try {
      const stream = (await container.getArchive({ path: p })) as unknown as Readable;
      await extractTar(stream, dest);
    } catch (err) {
      failed.push(`${basename(p)}: ${(err as Error).message}`);
    }
  }
  return failed;
}
