import { useEffect, useRef, useState } from 'react';
import { useVersioned } from '../../shared/useVersioned';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricSeries } from '../../../main/common/jobs';
import type { Services } from '../../platform/services';
import { lttb } from './lttb';

const COLORS = ['#4c8dff', '#f5a623', '#3fb950', '#d2a8ff', '#ff6b6b'];
const MAX_POINTS = 600;

type Points = MetricSeries['points'];

/** Metrics of several runs, kept current from their live streams: run id → metric name → points. */
function useRunsMetrics(services: Services, runIds: string[]): Map<string, Map<string, Points>> {
  const data = useRef(new Map<string, Map<string, Points>>());
  const [, setTick] = useState(0);
  const key = runIds.join(',');
  useEffect(() => {
    // The ids as the key has them: a new array with the same runs must not start the streams again.
    const runIds = key ? key.split(',') : [];
    data.current = new Map(runIds.map((id) => [id, new Map()]));
    setTick((t) => t + 1);
    let frame = 0;
    const bump = () => {
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), setTick((t) => t + 1)));
    };
    const subs = runIds.map((id) => {
      // Subscribe first, then read what is stored: a point that lands in between is kept once (by step).
      const seen = new Map<string, Set<number>>();
      const add = (series: MetricSeries[]) => {
        const mine = data.current.get(id);
        if (!mine) return;
        for (const s of series) {
          const pts = mine.get(s.name) ?? [];
          const steps = seen.get(s.name) ?? new Set<number>();
          let sorted = true;
          for (const p of s.points) {
            if (steps.has(p.step)) continue;
            steps.add(p.step);
            if (pts.length && pts[pts.length - 1]!.step > p.step) sorted = false;
            pts.push(p);
          }
          if (!sorted) pts.sort((x, y) => x.step - y.step);
          mine.set(s.name, pts);
          seen.set(s.name, steps);
        }
        bump();
      };
      const sub = services.jobs.onDidMetric({ id })(add);
      void services.jobs.metrics(id).then(add, () => undefined);
      return sub;
    });
    return () => {
      for (const s of subs) s.dispose();
      cancelAnimationFrame(frame);
    };
  }, [services, key]);
  return data.current;
}

/**
 * One chart per metric (step on the x axis), live, with other runs overlaid for comparison. Each series
 * is downsampled with LTTB to a few hundred points, so 100,000-point runs stay smooth.
 */
export function MetricCharts({ services, runId, compareIds = [] }: { services: Services; runId: string; compareIds?: string[] }) {
  const ids = [runId, ...compareIds.filter((c) => c !== runId)];
  const all = useRunsMetrics(services, ids);
  const names = [...new Set([...all.values()].flatMap((m) => [...m.keys()]))].sort();
  if (!names.length) return <p className="muted">No metrics yet. In Python: <code>import lathe; lathe.log_metric("loss", value)</code>.</p>;
  return (
    <div className="charts">
      {names.map((name) => (
        <MetricChart key={name} name={name} series={ids.map((id) => ({ label: id, points: all.get(id)?.get(name) ?? [] }))} />
      ))}
    </div>
  );
}

function MetricChart({ name, series }: { name: string; series: { label: string; points: Points }[] }) {
  const lengths = series.map((s) => s.points.length).join(',');
  // Points grow in place: the lengths are the version of the series.
  const rows = useVersioned(() => {
    // Merge the downsampled series on step so recharts draws them on one x axis.
    const byStep = new Map<number, Record<string, number>>();
    series.forEach((s, i) => {
      for (const p of lttb(s.points.map((q) => ({ x: q.step, y: q.value })), MAX_POINTS)) {
        const row = byStep.get(p.x) ?? { step: p.x };
        row[`s${i}`] = p.y;
        byStep.set(p.x, row);
      }
    });
    return [...byStep.values()].sort((a, b) => a.step! - b.step!);
  }, [lengths]);
  const total = series.reduce((n, s) => n + s.points.length, 0);
  return (
    <figure className="chart" aria-label={`Metric ${name}`} data-points={total}>
      <figcaption>
        {name} <span className="muted">({total.toLocaleString()} points)</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} stroke="var(--muted)" />
          <YAxis stroke="var(--muted)" width={60} />
          <Tooltip />
          {series.length > 1 && <Legend />}
          {series.map((s, i) => (
            <Line key={s.label} name={s.label} dataKey={`s${i}`} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
