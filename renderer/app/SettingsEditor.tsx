import { useEffect, useMemo, useState } from 'react';
import { formatZodError } from '../../main/common/rpc';
import { isAppError } from '../../main/common/errors';
import { SettingsPatchSchema, type Settings, type SettingsPatch } from '../../main/common/settings';
import type { Services } from '../platform/services';

/** The path of the settings editor's tab (not a file). */
export const SETTINGS_TAB = 'lathe:settings';

type Kind = { type: 'enum'; options: string[] } | { type: 'number'; min: number; max: number } | { type: 'bool' } | { type: 'text'; placeholder?: string } | { type: 'list'; placeholder?: string };

/** One setting as the editor shows it: where it lives, what it means, how it is edited. */
interface SettingRow {
  group: 'Appearance' | 'Terminal' | 'Layout' | 'Environments';
  key: string;
  title: string;
  description: string;
  kind: Kind;
  get(s: Settings): unknown;
  patch(v: unknown): SettingsPatch;
}

const ROWS: SettingRow[] = [
  { group: 'Appearance', key: 'theme', title: 'Color theme', description: 'Dark or light, for the workbench, editors and terminals.', kind: { type: 'enum', options: ['dark', 'light'] }, get: (s) => s.theme, patch: (v) => ({ theme: v as 'dark' | 'light' }) },
  { group: 'Terminal', key: 'terminal.fontSize', title: 'Font size', description: 'Terminal font size in pixels (6–48).', kind: { type: 'number', min: 6, max: 48 }, get: (s) => s.terminal.fontSize, patch: (v) => ({ terminal: { fontSize: v as number } }) },
  { group: 'Terminal', key: 'terminal.scrollback', title: 'Scrollback', description: 'Lines each terminal keeps in the page (100–1,000,000); the core keeps its own history too.', kind: { type: 'number', min: 100, max: 1_000_000 }, get: (s) => s.terminal.scrollback, patch: (v) => ({ terminal: { scrollback: v as number } }) },
  { group: 'Layout', key: 'layout.sidebarWidth', title: 'Side bar width', description: 'Width of the side bar in pixels (120–1200); dragging its edge sets it too.', kind: { type: 'number', min: 120, max: 1200 }, get: (s) => s.layout.sidebarWidth, patch: (v) => ({ layout: { sidebarWidth: v as number } }) },
  { group: 'Layout', key: 'layout.sidebarVisible', title: 'Show the side bar', description: 'Ctrl+B, or clicking the active view’s icon, toggles it.', kind: { type: 'bool' }, get: (s) => s.layout.sidebarVisible, patch: (v) => ({ layout: { sidebarVisible: v as boolean } }) },
  { group: 'Environments', key: 'envs.defaultExe', title: 'conda executable', description: 'The conda, mamba or micromamba that makes changes; empty means the first one found.', kind: { type: 'text', placeholder: '/opt/conda/bin/mamba' }, get: (s) => s.envs.defaultExe ?? '', patch: (v) => ({ envs: { defaultExe: v as string } }) },
  { group: 'Environments', key: 'envs.channels', title: 'Channels', description: 'Added to every change, in priority order, separated by spaces; file:// URLs work offline.', kind: { type: 'list', placeholder: 'conda-forge file:///srv/channel' }, get: (s) => s.envs.channels.join(' '), patch: (v) => ({ envs: { channels: String(v).split(/\s+/).filter(Boolean) } }) },
  { group: 'Environments', key: 'envs.overrideChannels', title: 'Only these channels', description: 'conda’s --override-channels: ignore the channels in .condarc.', kind: { type: 'bool' }, get: (s) => s.envs.overrideChannels, patch: (v) => ({ envs: { overrideChannels: v as boolean } }) },
  { group: 'Environments', key: 'envs.offline', title: 'Offline', description: 'conda’s --offline: never reach the network.', kind: { type: 'bool' }, get: (s) => s.envs.offline, patch: (v) => ({ envs: { offline: v as boolean } }) },
  { group: 'Environments', key: 'envs.registry', title: 'Registry', description: 'Where published envs go: a folder, a Lathe server URL or s3://bucket/prefix (empty: the data dir’s env-registry).', kind: { type: 'text', placeholder: 's3://team-envs/lathe' }, get: (s) => s.envs.registry ?? '', patch: (v) => ({ envs: { registry: v as string } }) },
  { group: 'Environments', key: 'envs.s3Endpoint', title: 'S3 endpoint', description: 'For S3-compatible stores (MinIO, Ceph…); empty means AWS.', kind: { type: 'text', placeholder: 'https://minio.example.com:9000' }, get: (s) => s.envs.s3Endpoint ?? '', patch: (v) => ({ envs: { s3Endpoint: v as string } }) },
  { group: 'Environments', key: 'envs.s3Region', title: 'S3 region', description: 'Default us-east-1.', kind: { type: 'text', placeholder: 'us-east-1' }, get: (s) => s.envs.s3Region ?? '', patch: (v) => ({ envs: { s3Region: v as string } }) },
];

/**
 * The settings editor, as VS Code's: searchable (title, description and id), grouped, each value checked against the
 * contract's schema as it is typed (the error names the rule), saved to the core on change, so every window follows.
 */
export function SettingsEditor({ services, settings }: { services: Services; settings: Settings }) {
  const [query, setQuery] = useState('');
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = ROWS.filter((r) => words.every((w) => `${r.group} ${r.title} ${r.description} ${r.key}`.toLowerCase().includes(w)));
  const groups = [...new Set(shown.map((r) => r.group))];
  return (
    <div className="settings-editor">
      <input type="search" className="settings-search" aria-label="Search settings" placeholder="Search settings" value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
      {!shown.length && <p className="muted">No setting matches “{query}”.</p>}
      {groups.map((g) => (
        <section key={g} aria-label={`${g} settings`}>
          <h2>{g}</h2>
          {shown
            .filter((r) => r.group === g)
            .map((r) => (
              <SettingField key={r.key} row={r} value={r.get(settings)} services={services} />
            ))}
        </section>
      ))}
    </div>
  );
}

function SettingField({ row, value, services }: { row: SettingRow; value: unknown; services: Services }) {
  const [draft, setDraft] = useState<unknown>(value);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  // Another window (or the side bar's splitter) changed it: show the new value unless this field is being edited.
  useEffect(() => {
    if (!error) setDraft(value);
  }, [value, error]);
  const id = useMemo(() => `setting-${row.key.replace(/\W/g, '-')}`, [row.key]);

  const commit = async (v: unknown) => {
    setDraft(v);
    setSaved(false);
    if (row.kind.type === 'text' && v === '') return setError(undefined); // Empty text means "unset", which the patch cannot say yet.
    const patch = row.patch(row.kind.type === 'number' ? Number(v) : v);
    const checked = SettingsPatchSchema.safeParse(patch);
    if (!checked.success) return setError(formatZodError(checked.error));
    setError(undefined);
    try {
      await services.settings.update(checked.data);
      setSaved(true);
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    }
  };

  const k = row.kind;
  return (
    <div className={`setting${error ? ' invalid' : ''}`} data-setting={row.key}>
      <label htmlFor={id} className="setting-title">
        {row.group}: <strong>{row.title}</strong>
      </label>
      <p className="setting-description" id={`${id}-desc`}>
        {row.description}
      </p>
      {k.type === 'enum' ? (
        <select id={id} aria-describedby={`${id}-desc`} value={String(draft)} onChange={(e) => void commit(e.target.value)}>
          {k.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : k.type === 'bool' ? (
        <input id={id} type="checkbox" aria-describedby={`${id}-desc`} checked={!!draft} onChange={(e) => void commit(e.target.checked)} />
      ) : (
        <input
          id={id}
          type={k.type === 'number' ? 'number' : 'text'}
          aria-describedby={`${id}-desc`}
          aria-invalid={!!error}
          {...(k.type === 'number' ? { min: k.min, max: k.max } : { placeholder: k.placeholder, spellCheck: false })}
          value={String(draft ?? '')}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={(e) => String(value) !== e.target.value && void commit(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && void commit(e.currentTarget.value)}
        />
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {saved && !error && (
        <span role="status" className="ok setting-saved">
          Saved
        </span>
      )}
    </div>
  );
}
