/** Bytes as people read them: "512 B", "3.2 MB", "12 GB"; "…" while unknown. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '…';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
