import type { CoreStatus, IStatusService, ServiceState } from '../../common/status';
import type { Db } from '../../base/node/database';

/** Reports the core's version, start time, launch count and the state of each service. */
export class StatusService implements IStatusService {
  private readonly startedAt = new Date().toISOString();
  private readonly launches: number;

  constructor(
    private readonly config: { version: string },
    db: Db,
    private readonly services: () => ServiceState[],
  ) {
    db.prepare('INSERT INTO launches (started_at, version, pid) VALUES (?, ?, ?)').run(this.startedAt, config.version, process.pid);
    this.launches = (db.prepare('SELECT COUNT(*) AS n FROM launches').get() as { n: number }).n;
  }

  async get(): Promise<CoreStatus> {
    return { version: this.config.version, startedAt: this.startedAt, launches: this.launches, services: this.services() };
  }
}
