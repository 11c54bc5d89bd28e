import { writevSync } from 'node:fs';

/** Writes every byte of `parts` to `fd`, at most 1,024 buffers per call (IOV_MAX); writev may write less than asked. */
export function writevAll(fd: number, parts: Buffer[]): void {
  for (let at = 0; at < parts.length; at += 1024) {
    let left = parts.slice(at, at + 1024);
    while (left.length) {
      let n = writevSync(fd, left);
      let i = 0;
      while (i < left.length && n >= left[i]!.length) n -= left[i++]!.length;
      left = i < left.length ? [left[i]!.subarray(n), ...left.slice(i + 1)] : [];
    }
  }
}
