import { useEffect, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricSeries } from '../../../main/common/jobs';
import type { Services } from '../../app/services';
import { lttb } from './lttb';

const COLORS = ['#4c8dff', '#f5a623', '#3fb950', '#d2a8ff', '#ff6b6b'];
const MAX_POINTS = 600;

/** A run's metrics, kept current from its live stream; one entry per metric name. */
function useMetrics(services: Services, runId: string | undefined): Map<string, MetricSeries['points']> {
  const data = useRef(new Map<string, MetricSeries['points']>());
  const [, setTick] = useState(0);
  useEffect(() => {
    data.current = new Map();
    setTick((t) => t + 1);
    if (!runId) return;
    let frame = 0;
    const bump = () => {
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), setTick((t) => t + 1)));
    };
    // Subscribe first, then read what is stored: a point that lands in between is kept once (by step).
    const seen = new Map<string, Set<number>>();
    const add = (series: MetricSeries[]) => {
      for (const s of series) {
        const pts = data.current.get(s.name) ?? [];
        const steps = seen.get(s.name) ?? new Set<number>();
        for (const p of s.points) if (!steps.has(p.step)) (steps.add(p.step), pts.push(p));
        pts.sort((a, b) => a.step - b.step);
        data.current.set(s.name, pts);
        seen.set(s.name, steps);
      }
      bump();
    };
    const sub = services.jobs.onDidMetric({ id: runId })(add);
    void services.jobs.metrics(runId).then(add, () => undefined);
    return () => {
      sub.dispose();
      cancelAnimationFrame(frame);
    };
  }, [services, runId]);
  return data.current;
}

/**
 * One chart per metric (step on the x axis), live, with other runs overlaid for comparison. Each series
 * is downsampled with LTTB to a few hundred points, so 100,000-point runs stay smooth.
 */
export function MetricCharts({ services, runId, compareId }: { services: Services; runId: string; compareId?: string }) {
  const mine = useMetrics(services, runId);
  const other = useMetrics(services, compareId);
  const names = [...new Set([...mine.keys(), ...other.keys()])].sort();
  if (!names.length) return <p className="muted">No metrics yet. In Python: <code>import lathe; lathe.log_metric("loss", value)</code>.</p>;
  return (
    <div className="charts">
      {names.map((name) => (
        <MetricChart key={name} name={name} series={[{ label: runId, points: mine.get(name) ?? [] }, ...(compareId ? [{ label: compareId, points: other.get(name) ?? [] }] : [])]} />
      ))}
    </div>
  );
}

function MetricChart({ name, series }: { name: string; series: { label: string; points: MetricSeries['points'] }[] }) {
  const lengths = series.map((s) => s.points.length).join(',');
  const rows = useMemo(() => {
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
  }, [lengths]); // eslint-disable-line react-hooks/exhaustive-deps
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
