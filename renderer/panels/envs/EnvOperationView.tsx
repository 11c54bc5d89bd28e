import { useEffect, useRef, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { EnvOpResult, EnvOperation, EnvOperationDraft, EnvPlan, EnvProgress, PlannedPackage } from '../../../main/common/envs';
import type { Services } from '../../platform/services';

type Phase = { kind: 'idle' } | { kind: 'planning' } | { kind: 'planned'; plan: EnvPlan } | { kind: 'applying' } | { kind: 'done'; message: string } | { kind: 'failed'; message: string };

let nextOp = 1;
const newOpId = () => `ui-${Date.now().toString(36)}-${nextOp++}`;

function PlanGroup({ title, items, arrow }: { title: string; items: PlannedPackage[]; arrow?: boolean }) {
  if (!items.length) return null;
  return (
    <section aria-label={`${title} (${items.length})`}>
      <h4>
        {title} ({items.length})
      </h4>
      <ul className="plan-list">
        {items.map((p) => (
          <li key={p.name}>
            <strong>{p.name}</strong> {arrow ? `${p.from} → ${p.to}` : (p.to ?? p.from)} {p.channel && <span className="muted">{p.channel}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A dry run's changes, grouped as conda reports them. */
export function PlanView({ plan }: { plan: EnvPlan }) {
  return (
    <div className="plan" role="region" aria-label="Planned changes">
      {plan.message && <p>{plan.message}</p>}
      {plan.nothingToDo && !plan.message && <p>Nothing to change.</p>}
      <PlanGroup title="Install" items={plan.install} />
      <PlanGroup title="Upgrade" items={plan.upgrade} arrow />
      <PlanGroup title="Downgrade" items={plan.downgrade} arrow />
      <PlanGroup title="Change" items={plan.change} arrow />
      <PlanGroup title="Remove" items={plan.remove} />
    </div>
  );
}

/**
 * Runs one env change the safe way: a dry run first that shows what will be linked and unlinked, then
 * Apply with live progress (fetch bars and the tool's log) and Cancel. `operation` is rebuilt by the caller
 * from its form; a change to it resets the view.
 */
export function EnvOperationView({ services, operation, applyLabel, onDone }: { services: Services; operation: EnvOperationDraft | undefined; applyLabel: string; onDone?: (result: EnvOpResult) => void }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [log, setLog] = useState<string[]>([]);
  const [fetches, setFetches] = useState<Record<string, number>>({});
  const abort = useRef<AbortController | undefined>(undefined);
  const key = JSON.stringify(operation ?? null);
  useEffect(() => {
    setPhase({ kind: 'idle' });
    setLog([]);
    setFetches({});
  }, [key]);
  useEffect(() => () => abort.current?.abort(), []);

  const run = async (dry: boolean) => {
    if (!operation) return;
    const op = { ...operation, opId: newOpId() } as EnvOperation;
    const ac = new AbortController();
    abort.current = ac;
    setLog([]);
    setFetches({});
    setPhase({ kind: dry ? 'planning' : 'applying' });
    const sub = services.envs.onDidProgress({ opId: op.opId })((p: EnvProgress) => {
      if (p.kind === 'log') setLog((l) => [...l.slice(-499), p.text]);
      else if (p.kind === 'fetch') setFetches((f) => ({ ...f, [p.text]: p.fraction ?? 0 }));
    });
    try {
      if (dry) setPhase({ kind: 'planned', plan: await services.envs.plan(op, { signal: ac.signal }) });
      else {
        const r = await services.envs.apply(op, { signal: ac.signal });
        setPhase({ kind: 'done', message: r.message });
        onDone?.(r);
      }
    } catch (err) {
      setPhase({ kind: 'failed', message: isAppError(err) ? err.message : String(err) });
    } finally {
      sub.dispose();
      abort.current = undefined;
    }
  };

  const busy = phase.kind === 'planning' || phase.kind === 'applying';
  return (
    <div className="env-op">
      <div className="row">
        <button type="button" disabled={!operation || busy} onClick={() => void run(true)}>
          Preview changes
        </button>
        <button type="button" disabled={!operation || busy || (phase.kind === 'planned' && phase.plan.nothingToDo)} onClick={() => void run(false)}>
          {applyLabel}
        </button>
        {busy && (
          <button type="button" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        )}
        {busy && (
          <span role="status" className="muted">
            {phase.kind === 'planning' ? 'Solving…' : 'Working…'}
          </span>
        )}
      </div>
      {phase.kind === 'planned' && <PlanView plan={phase.plan} />}
      {phase.kind === 'done' && (
        <p role="status" className="ok">
          {phase.message}
        </p>
      )}
      {phase.kind === 'failed' && (
        <p role="alert" className="error">
          {phase.message}
        </p>
      )}
      {Object.keys(fetches).length > 0 && (
        <ul className="fetches" aria-label="Downloads">
          {Object.entries(fetches).map(([name, f]) => (
            <li key={name}>
              <span>{name}</span> <progress max={1} value={f} aria-label={`Download ${name}`} />
            </li>
          ))}
        </ul>
      )}
      {log.length > 0 && (
        <pre className="env-log" aria-label="Tool output">
          {log.join('\n')}
        </pre>
      )}
    </div>
  );
}
