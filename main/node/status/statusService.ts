import type { CoreStatus, IStatusService, ServiceState } from '../../common/status';
import type { MetaStore } from '../../base/node/metaStore';

/** Reports the core's version, start time, launch count and the state of each service. */
export class StatusService implements IStatusService {
  private readonly startedAt = new Date().toISOString();
  private readonly launches: number;

  constructor(
    private readonly config: { version: string },
    meta: MetaStore,
    private readonly services: () => ServiceState[],
    private readonly python?: () => Promise<CoreStatus['python']>,
  ) {
    this.launches = meta.recordLaunch(config.version, this.startedAt, process.pid);
  }

  async get(): Promise<CoreStatus> {
    // Finding it can take a moment the first time (Jupyter is located on first use): status does not wait long for it.
    const python = this.python ? await Promise.race([this.python().catch(() => undefined), new Promise<undefined>((r) => setTimeout(r, 1500))]) : undefined;
    return { version: this.config.version, startedAt: this.startedAt, launches: this.launches, services: this.services(), ...(python ? { python } : {}) };
  }
}
