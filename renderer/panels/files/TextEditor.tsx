import { useCallback, useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/editor/editor.api';
import { isAppError } from '../../../main/common/errors';
import { parentPath } from '../../../main/common/files';
import type { Services } from '../../platform/services';
import { useEvent } from '../../platform/services';
import { languageFor, loadMonacoFor } from '../../shared/monaco';
import { renderMarkdown } from '../../shared/markdown';
import { dropBuffer, loadBuffer, saveBuffer } from './buffers';

/** What an editor tells its tab. */
export interface EditorHost {
  /** The unsaved state changed. */
  onDirtyChange(dirty: boolean): void;
  /** The editor's save, for the tab's "Save" in the close prompt; resolves true once saved. */
  registerSave(save: () => Promise<boolean>): void;
}

type Loaded = { text: string; mtimeMs: number };

/**
 * A text file in Monaco: highlighting by file type, Ctrl/Cmd+S saves atomically with a check for changes on disk, a
 * file changed on disk reloads (or asks, if there are unsaved edits), and unsaved edits survive a page reload (kept
 * in the tab's session storage until saved, as VS Code's hot exit keeps them). Markdown has a preview beside it.
 */
export function TextEditor({ services, path, theme, host, visible, focusSignal }: { services: Services; path: string; theme: 'dark' | 'light'; host: EditorHost; visible: boolean; focusSignal?: number }) {
  const language = languageFor(path);
  const hostEl = useRef<HTMLDivElement>(null);
  const editor = useRef<Monaco.editor.IStandaloneCodeEditor | undefined>(undefined);
  const saved = useRef<Loaded | undefined>(undefined);
  /** Monaco's alternative version id of the saved text: equal again after undoing back to it, as VS Code's dirty check. */
  const savedVersion = useRef<number | undefined>(undefined);
  const [initial, setInitial] = useState<{ text: string; restored: boolean }>();
  const [error, setError] = useState<string>();
  const [banner, setBanner] = useState<{ text: string; kind: 'conflict' | 'changed' | 'restored' }>();
  const [dirty, setDirty] = useState(false);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const [text, setText] = useState('');
  const [preview, setPreview] = useState(language === 'markdown');
  const [fallback, setFallback] = useState(false);
  const latestHost = useRef(host);
  latestHost.current = host;

  const load = useCallback(async () => {
    try {
      const f = await services.files.read(path);
      saved.current = { text: f.text, mtimeMs: f.mtimeMs };
      const buffer = loadBuffer(path);
      setInitial({ text: buffer?.text ?? f.text, restored: !!buffer });
      setText(buffer?.text ?? f.text);
      if (buffer) {
        setDirty(buffer.text !== f.text);
        setBanner({ kind: 'restored', text: buffer.mtimeMs === f.mtimeMs ? 'Unsaved changes from before the page reloaded are restored.' : 'Unsaved changes from before the page reloaded are restored; the file has also changed on disk since.' });
      }
      setError(undefined);
      // Listing the folder makes the core watch it, so a change on disk reaches this tab.
      void services.files.list(parentPath(path)).catch(() => undefined);
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    }
  }, [services, path]);

  useEffect(() => {
    if (services.connection.state === 'connected') void load();
    const d = services.connection.onDidChangeState((s) => s === 'connected' && !saved.current && void load());
    return () => d.dispose();
  }, [services, load]);

  const current = () => editor.current?.getValue() ?? text;
  const bufferTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  /** Keeps the unsaved text for a reload, half a second after typing stops (and at once when the page is left). */
  const scheduleBuffer = (isDirty: boolean) => {
    clearTimeout(bufferTimer.current);
    if (!isDirty) return dropBuffer(path);
    bufferTimer.current = setTimeout(() => saved.current && saveBuffer(path, current(), saved.current.mtimeMs), 500);
  };
  // Closing the tab ends the edit: what was not saved was declined in the close prompt. (A reload runs no cleanup.)
  useEffect(
    () => () => {
      clearTimeout(bufferTimer.current);
      dropBuffer(path);
    },
    [path],
  );

  const save = useCallback(
    async (force = false): Promise<boolean> => {
      if (!saved.current) return false;
      const value = editor.current?.getValue() ?? text;
      const version = editor.current?.getModel()?.getAlternativeVersionId();
      try {
        const r = await services.files.write(path, value, { expectedMtimeMs: saved.current.mtimeMs, force });
        saved.current = { text: value, mtimeMs: r.mtimeMs };
        savedVersion.current = version;
        const model = editor.current?.getModel();
        setDirty(model ? model.getAlternativeVersionId() !== version : false);
        dropBuffer(path);
        setBanner(undefined);
        setError(undefined);
        return true;
      } catch (err) {
        if (isAppError(err, 'FILE_CHANGED_ON_DISK')) setBanner({ kind: 'conflict', text: err.message });
        else setError(isAppError(err) ? err.message : String(err));
        return false;
      }
    },
    [services, path, text],
  );
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    latestHost.current.registerSave(() => saveRef.current());
  }, []);
  useEffect(() => {
    latestHost.current.onDirtyChange(dirty);
  }, [dirty]);

  // Unsaved edits are kept for a reload; the browser also asks before the page is left.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      if (saved.current) saveBuffer(path, current(), saved.current.mtimeMs);
      e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dirty, path]);

  // A change on disk: reload quietly when nothing is unsaved, else ask.
  useEvent(services.files.onDidChange, (c) => {
    if (c.path !== parentPath(path) || !saved.current) return;
    void services.files.read(path).then(
      (f) => {
        if (!saved.current || f.mtimeMs === saved.current.mtimeMs) return;
        if (!dirtyRef.current) {
          saved.current = { text: f.text, mtimeMs: f.mtimeMs };
          if (f.text !== current()) editor.current?.setValue(f.text);
          savedVersion.current = editor.current?.getModel()?.getAlternativeVersionId();
          setText(f.text);
        } else setBanner({ kind: 'changed', text: `${path} changed on disk, and this tab has unsaved edits.` });
      },
      () => setBanner({ kind: 'changed', text: `${path} was deleted or moved on disk; saving writes it back.` }),
    );
  });

  const reloadFromDisk = async () => {
    dropBuffer(path);
    const f = await services.files.read(path).catch((err: unknown) => setError(isAppError(err) ? err.message : String(err)));
    if (!f) return;
    saved.current = { text: f.text, mtimeMs: f.mtimeMs };
    editor.current?.setValue(f.text);
    savedVersion.current = editor.current?.getModel()?.getAlternativeVersionId();
    setText(f.text);
    setDirty(false);
    setBanner(undefined);
  };

  // Monaco, once the text is here. Its model lives as long as the tab.
  useEffect(() => {
    if (!initial || !hostEl.current) return;
    let disposed = false;
    let dispose = () => undefined as void;
    loadMonacoFor(language)
      .then((monaco) => {
        if (disposed || !hostEl.current) return;
        const ed = monaco.editor.create(hostEl.current, {
          value: initial.text,
          language,
          theme: theme === 'dark' ? 'vs-dark' : 'vs',
          automaticLayout: true,
          fontSize: 13,
          ariaLabel: `Editor for ${path}`,
          minimap: { enabled: true },
          tabSize: language === 'yaml' ? 2 : 4,
          insertSpaces: true,
        });
        editor.current = ed;
        // A restored buffer is unsaved from the start: no version of the model matches the file.
        savedVersion.current = initial.restored && initial.text !== saved.current?.text ? -1 : ed.getModel()!.getAlternativeVersionId();
        // An action (per editor), not addCommand (global, runs in the editor created last).
        ed.addAction({ id: 'lathe.file.save', label: 'Save', keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS], run: () => void saveRef.current() });
        ed.onDidChangeModelContent(() => {
          // Only the Markdown preview needs the text on every change; a 10 MB file is not copied per keystroke.
          if (language === 'markdown') setText(ed.getValue());
          const d = ed.getModel()!.getAlternativeVersionId() !== savedVersion.current;
          setDirty(d);
          scheduleBuffer(d);
        });
        if (wantFocus.current) {
          wantFocus.current = false;
          // Only if the user has not moved on meanwhile (typing a new file's name, say).
          const a = document.activeElement;
          if (!a || a === document.body || (a.closest('[role="tree"], [role="tablist"]') && !(a instanceof HTMLInputElement))) ed.focus();
        }
        dispose = () => ed.dispose();
      })
      .catch(() => setFallback(true));
    return () => {
      disposed = true;
      editor.current = undefined;
      dispose();
    };
    // The editor is made once per loaded file; theme changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initial]);
  useEffect(() => {
    void loadMonacoFor(language).then((m) => editor.current && m.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs'));
  }, [theme, language]);
  useEffect(() => {
    if (visible) editor.current?.layout();
  }, [visible]);
  // Opening a file for editing (Enter or a double click in the explorer) puts the cursor in it, as VS Code does.
  const wantFocus = useRef(false);
  useEffect(() => {
    if (!focusSignal) return;
    if (editor.current) requestAnimationFrame(() => editor.current?.focus());
    else wantFocus.current = true;
  }, [focusSignal]);

  if (error && !initial) {
    return (
      <div className="empty" role="alert">
        <p>{error}</p>
        <button onClick={() => void load()}>Try again</button>
      </div>
    );
  }
  return (
    <div className="text-editor">
      <div className="editor-toolbar" role="toolbar" aria-label={`File ${path}`}>
        <span className="editor-path">{path}</span>
        <span className="spacer" />
        {language === 'markdown' && (
          <button aria-pressed={preview} onClick={() => setPreview((p) => !p)}>
            Preview
          </button>
        )}
        <button onClick={() => void save()} disabled={!dirty}>
          Save
        </button>
      </div>
      {error && (
        <div role="alert" className="banner error">
          {error}
        </div>
      )}
      {banner && (
        <div role={banner.kind === 'restored' ? 'status' : 'alert'} className={`banner${banner.kind === 'restored' ? '' : ' error'}`}>
          {banner.text}{' '}
          {banner.kind !== 'restored' && (
            <>
              <button onClick={() => void reloadFromDisk()}>Reload from disk</button> <button onClick={() => void save(true)}>Overwrite with mine</button>
            </>
          )}
          {banner.kind === 'restored' && (
            <>
              <button onClick={() => void reloadFromDisk()}>Discard them</button> <button onClick={() => setBanner(undefined)}>Keep</button>
            </>
          )}
        </div>
      )}
      <div className="text-editor-main">
        {!initial ? (
          <div className="empty">Opening {path}…</div>
        ) : fallback ? (
          <textarea
            className="text-fallback"
            aria-label={`Editor for ${path}`}
            defaultValue={initial.text}
            onChange={(e) => {
              setText(e.target.value);
              setDirty(e.target.value !== saved.current?.text);
              scheduleBuffer(e.target.value !== saved.current?.text);
            }}
            onKeyDown={(e) => {
              if ((e.ctrlKey || e.metaKey) && e.key === 's') {
                e.preventDefault();
                void save();
              }
            }}
          />
        ) : (
          <div ref={hostEl} className="monaco-host" data-path={path} />
        )}
        {preview && language === 'markdown' && initial && (
          // The preview is sanitised (DOMPurify), as notebook Markdown is.
          <div className="markdown-preview rendered" role="document" aria-label={`Preview of ${path}`} dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />
        )}
      </div>
    </div>
  );
}
