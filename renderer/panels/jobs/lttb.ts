/** One chart point. */
export interface XY {
  x: number;
  y: number;
}

/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the first and last points and, per
 * bucket, the point that spans the largest triangle with its neighbours, so peaks and dips survive while
 * 100,000 points become `threshold` for the chart.
 */
export function lttb(data: XY[], threshold: number): XY[] {
  if (threshold >= data.length || threshold < 3) return data;
  const out: XY[] = [data[0]!];
  const every = (data.length - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const avgStart = Math.floor((i + 1) * every) + 1;
    const avgEnd = Math.min(Math.floor((i + 2) * every) + 1, data.length);
    let ax = 0;
    let ay = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      ax += data[j]!.x;
      ay += data[j]!.y;
    }
    const n = avgEnd - avgStart || 1;
    ax /= n;
    ay /= n;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const pa = data[a]!;
    let best = -1;
    let pick = start;
    for (let j = start; j < end; j++) {
      const p = data[j]!;
      const area = Math.abs((pa.x - ax) * (p.y - pa.y) - (pa.x - p.x) * (ay - pa.y));
      if (area > best) {
        best = area;
        pick = j;
      }
    }
    out.push(data[pick]!);
    a = pick;
  }
  out.push(data[data.length - 1]!);
  return out;
}
