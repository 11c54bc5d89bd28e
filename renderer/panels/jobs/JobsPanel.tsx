import type { Services } from '../../platform/services';
import { RunView } from './RunView';
import { SubmitJobForm } from './SubmitJobForm';
import type { RunsModel } from './useRuns';

/** The jobs area: the job form, or the selected run. */
export function JobsPanel({ services, model, creating, onCloseCreate }: { services: Services; model: RunsModel; creating: boolean; onCloseCreate: () => void }) {
  if (creating)
    return (
      <SubmitJobForm
        services={services}
        onClose={onCloseCreate}
        onSubmitted={(id) => {
          model.select(id);
          onCloseCreate();
        }}
      />
    );
  if (!model.selected) return <div className="empty">Pick a run in the side bar, or start a new job (or `lathe job submit job.yaml`).</div>;
  return <RunView services={services} runId={model.selected} runs={model.runs ?? []} onSelect={model.select} />;
}
