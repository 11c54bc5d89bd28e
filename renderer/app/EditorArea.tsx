import { useEffect, useRef, useState, type ReactNode } from 'react';
import { File, FileCode2, NotebookPen, Settings2, X } from 'lucide-react';
import type { Settings } from '../../main/common/settings';
import { SettingsEditor } from './SettingsEditor';
import { ImageViewer } from '../panels/files/ImageViewer';
import type { Services } from '../platform/services';
import { NotebookPanel } from '../panels/notebooks/NotebookPanel';
import { TextEditor, type EditorHost } from '../panels/files/TextEditor';
import { tabTitles, type EditorTab, type TabsState } from './editorTabs';

/** What the editor area reports up and asks for. */
export interface EditorAreaProps {
  services: Services;
  state: TabsState;
  theme: 'dark' | 'light';
  settings: Settings;
  /** Set by the area so the workbench can ask about unsaved tabs (for closing several, or leaving). */
  dirty: Set<string>;
  onDirtyChange(path: string, dirty: boolean): void;
  onActivate(path: string): void;
  /** Closing was confirmed (or nothing was unsaved): remove the tab. */
  onClose(path: string): void;
  onPin(path: string): void;
  /** Shown when no tab is open. */
  empty: ReactNode;
  /** Lets the workbench run "close tab" with the prompt from the palette or a key. */
  closeRef: { current: ((path: string) => void) | undefined };
  saveRef: { current: ((path: string) => Promise<boolean>) | undefined };
  /** Bumped when a file is opened for editing: that editor takes the focus. */
  focus?: { path: string; n: number };
}

/**
 * The editor group: a tab strip (ARIA tabs named by file name, dirty dot, middle-click or × closes, preview tabs in
 * italics) over every open editor. Each editor stays mounted while its tab is open, hidden when not active, so a
 * switch keeps unsaved edits, the scroll position and the notebook's kernel. Closing a tab with unsaved changes asks
 * Save / Don't save / Cancel.
 */
export function EditorArea(props: EditorAreaProps) {
  const { state, services, theme } = props;
  const saves = useRef(new Map<string, () => Promise<boolean>>());
  const [asking, setAsking] = useState<string>();
  const titles = tabTitles(state.tabs);

  const requestClose = (path: string) => {
    if (props.dirty.has(path)) setAsking(path);
    else props.onClose(path);
  };
  props.closeRef.current = requestClose;
  props.saveRef.current = async (path) => (await saves.current.get(path)?.()) ?? false;

  const hosts = useRef(new Map<string, EditorHost>());
  const hostFor = (path: string): EditorHost => {
    let h = hosts.current.get(path);
    if (!h) {
      h = {
        onDirtyChange: (d) => {
          props.onDirtyChange(path, d);
          if (d) props.onPin(path);
        },
        registerSave: (s) => {
          saves.current.set(path, s);
        },
      };
      hosts.current.set(path, h);
    }
    return h;
  };
  useEffect(() => {
    for (const p of [...hosts.current.keys()]) {
      if (state.tabs.some((t) => t.path === p)) continue;
      hosts.current.delete(p);
      saves.current.delete(p);
    }
  }, [state.tabs]);

  const onTabKey = (e: React.KeyboardEvent, i: number) => {
    const go = (j: number) => {
      const t = state.tabs[(j + state.tabs.length) % state.tabs.length];
      if (t) {
        props.onActivate(t.path);
        requestAnimationFrame(() => document.getElementById(tabId(t.path))?.focus());
      }
    };
    if (e.key === 'ArrowRight') go(i + 1);
    else if (e.key === 'ArrowLeft') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(state.tabs.length - 1);
    else if (e.key === 'Delete') requestClose(state.tabs[i]!.path);
    else return;
    e.preventDefault();
  };

  return (
    <div className="editor-group">
      {state.tabs.length > 0 && (
        <div className="tab-strip" role="tablist" aria-label="Open editors">
          {state.tabs.map((t, i) => (
            <div
              key={t.path}
              id={tabId(t.path)}
              role="tab"
              aria-selected={t.path === state.active}
              aria-controls={panelId(t.path)}
              aria-label={titles.get(t.path)}
              aria-description={props.dirty.has(t.path) ? 'unsaved changes' : undefined}
              data-dirty={props.dirty.has(t.path) || undefined}
              tabIndex={t.path === state.active ? 0 : -1}
              title={t.path}
              className={`tab${t.path === state.active ? ' active' : ''}${t.preview ? ' preview' : ''}${props.dirty.has(t.path) ? ' dirty' : ''}`}
              onClick={() => props.onActivate(t.path)}
              onDoubleClick={() => props.onPin(t.path)}
              onAuxClick={(e) => e.button === 1 && requestClose(t.path)}
              onKeyDown={(e) => onTabKey(e, i)}
            >
              <TabIcon tab={t} />
              <span className="tab-title">{titles.get(t.path)}</span>
              <button
                className="tab-close"
                aria-label={`Close ${titles.get(t.path)}`}
                title={props.dirty.has(t.path) ? 'Unsaved changes. Close (Alt+W)' : 'Close (Alt+W)'}
                tabIndex={-1}
                onClick={(e) => {
                  e.stopPropagation();
                  requestClose(t.path);
                }}
              >
                {props.dirty.has(t.path) && (
                  <span className="tab-dirty" aria-hidden>
                    ●
                  </span>
                )}
                <X size={14} aria-hidden />
              </button>
            </div>
          ))}
        </div>
      )}
      <div className="editor-panels">
        {state.tabs.length === 0 && props.empty}
        {state.tabs.map((t) => (
          <div key={t.path} id={panelId(t.path)} role="tabpanel" aria-labelledby={tabId(t.path)} hidden={t.path !== state.active} className="fill">
            {t.kind === 'image' ? (
              <ImageViewer services={services} path={t.path} />
            ) : t.kind === 'settings' ? (
              <SettingsEditor services={services} settings={props.settings} />
            ) : t.kind === 'notebook' ? (
              <NotebookPanel services={services} path={t.path} theme={theme} host={hostFor(t.path)} visible={t.path === state.active} />
            ) : (
              <TextEditor services={services} path={t.path} theme={theme} host={hostFor(t.path)} visible={t.path === state.active} focusSignal={props.focus?.path === t.path ? props.focus.n : undefined} />
            )}
          </div>
        ))}
      </div>
      {asking && (
        <UnsavedPrompt
          name={titles.get(asking) ?? asking}
          onSave={async () => {
            const ok = await props.saveRef.current?.(asking);
            setAsking(undefined);
            if (ok) props.onClose(asking);
          }}
          onDiscard={() => {
            setAsking(undefined);
            props.onDirtyChange(asking, false);
            props.onClose(asking);
          }}
          onCancel={() => setAsking(undefined)}
        />
      )}
    </div>
  );
}

function TabIcon({ tab }: { tab: EditorTab }) {
  if (tab.kind === 'notebook') return <NotebookPen size={14} aria-hidden className="tab-icon" />;
  if (tab.kind === 'settings') return <Settings2 size={14} aria-hidden className="tab-icon" />;
  return /\.(py|r|jl|sh|sql|js|ts|json|ya?ml|toml)$/i.test(tab.path) ? <FileCode2 size={14} aria-hidden className="tab-icon" /> : <File size={14} aria-hidden className="tab-icon" />;
}

/** The modal "Save changes?" dialog VS Code shows: Save is the default, Escape cancels, focus stays inside. */
export function UnsavedPrompt({ name, onSave, onDiscard, onCancel }: { name: string; onSave(): void; onDiscard(): void; onCancel(): void }) {
  const saveButton = useRef<HTMLButtonElement>(null);
  useEffect(() => saveButton.current?.focus(), []);
  return (
    <div className="palette-backdrop" onClick={onCancel}>
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="unsaved-title"
        aria-describedby="unsaved-detail"
        className="dialog"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onCancel();
          } else if (e.key === 'Tab') {
            // Focus cycles among the three buttons.
            const buttons = [...e.currentTarget.querySelectorAll('button')];
            const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
            e.preventDefault();
            buttons[(i + (e.shiftKey ? -1 : 1) + buttons.length) % buttons.length]?.focus();
          }
        }}
      >
        <h2 id="unsaved-title">Save the changes to {name}?</h2>
        <p id="unsaved-detail">Your changes will be lost if you don't save them.</p>
        <div className="row">
          <button ref={saveButton} className="primary" onClick={onSave}>
            Save
          </button>
          <button onClick={onDiscard}>Don't save</button>
          <button onClick={onCancel}>Cancel</button>
        </div>
      </div>
    </div>
  );
}

function tabId(path: string): string {
  return `tab-${encodeURIComponent(path).replace(/%/g, '_')}`;
}
function panelId(path: string): string {
  return `tabpanel-${encodeURIComponent(path).replace(/%/g, '_')}`;
}
