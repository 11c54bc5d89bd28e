import Conf from 'conf';
import { Emitter } from '../../common/event';
import { AppError } from '../../common/errors';
import { formatZodError } from '../../common/rpc';
import { SettingsSchema, type ISettingsService, type Settings, type SettingsPatch } from '../../common/settings';
import type { Logger } from '../../base/node/logger';

/** Settings kept with `conf` in `<dataDir>/settings.json` (mode 0600), checked against SettingsSchema on every read and write. */
export class SettingsService implements ISettingsService {
  private readonly conf: Conf<Record<string, unknown>>;
  private readonly _onDidChange = new Emitter<Settings>();
  readonly onDidChange = this._onDidChange.event;

  constructor(
    config: { dataDir: string },
    private readonly log: Logger,
  ) {
    this.conf = new Conf<Record<string, unknown>>({ cwd: config.dataDir, configName: 'settings', configFileMode: 0o600, clearInvalidConfig: false });
  }

  async get(): Promise<Settings> {
    return this.read();
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const cur = this.read();
    const next = SettingsSchema.parse({
      ...cur,
      ...(patch.theme ? { theme: patch.theme } : {}),
      terminal: { ...cur.terminal, ...patch.terminal },
      layout: { ...cur.layout, ...patch.layout },
      envs: { ...cur.envs, ...patch.envs },
    });
    this.conf.store = next;
    this._onDidChange.fire(next);
    return next;
  }

  private read(): Settings {
    const r = SettingsSchema.safeParse(this.conf.store);
    if (r.success) return r.data;
    // A hand-edited file with a bad value must not stop the app: fall back to defaults for the bad fields, loudly.
    this.log.warn(`settings file ${this.conf.path} has invalid values (${formatZodError(r.error)}); using defaults for them`);
    const fixed: Record<string, unknown> = { ...this.conf.store };
    for (const issue of r.error.issues) {
      const top = issue.path[0];
      if (typeof top === 'string') delete fixed[top];
    }
    const again = SettingsSchema.safeParse(fixed);
    if (!again.success) throw new AppError('SETTINGS_INVALID', `The settings file ${this.conf.path} is invalid: ${formatZodError(again.error)}. Fix or delete it.`);
    return again.data;
  }

  dispose(): void {
    this._onDidChange.dispose();
  }
}
