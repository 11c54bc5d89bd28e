import { useEffect, useRef, useState } from 'react';
import { loadMonaco } from '../../shared/monaco';

/** Keys the notebook handles while a cell is being edited. */
export interface CellEditorKeys {
  onRun(mode: 'stay' | 'advance' | 'insert'): void;
  onEscape(): void;
}

/**
 * Monaco for the one cell being edited (only that cell pays for a live editor). It grows with its content.
 * Falls back to a plain text area if Monaco cannot load.
 */
export function CellEditor(props: { value: string; language: string; theme: 'dark' | 'light'; onChange(v: string): void; keys: CellEditorKeys; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef(props);
  latest.current = props;
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let disposed = false;
    let dispose = () => undefined as void;
    loadMonaco()
      .then((monaco) => {
        if (disposed || !host.current) return;
        const editor = monaco.editor.create(host.current, {
          value: latest.current.value,
          language: latest.current.language,
          theme: latest.current.theme === 'dark' ? 'vs-dark' : 'vs',
          minimap: { enabled: false },
          scrollBeyondLastLine: false,
          lineNumbers: 'off',
          folding: false,
          automaticLayout: true,
          fontSize: 13,
          scrollbar: { alwaysConsumeMouseWheel: false, vertical: 'hidden' },
          overviewRulerLanes: 0,
          renderLineHighlight: 'none',
          ariaLabel: latest.current.label,
          tabSize: 4,
        });
        const fit = () => {
          if (host.current) host.current.style.height = `${Math.max(22, editor.getContentHeight())}px`;
        };
        editor.onDidContentSizeChange(fit);
        fit();
        editor.onDidChangeModelContent(() => latest.current.onChange(editor.getValue()));
        const { KeyMod, KeyCode } = monaco;
        // Actions, not addCommand: a command's key binding is global to every Monaco editor on the page and runs the
        // handler of the editor created last, which breaks as soon as two notebooks (or a file) are open in tabs.
        const bind = (id: string, label: string, keybinding: number, run: () => void, when?: string) =>
          editor.addAction({ id: `lathe.cell.${id}`, label, keybindings: [keybinding], run, ...(when ? { precondition: when } : {}) });
        bind('runAdvance', 'Run cell and select below', KeyMod.Shift | KeyCode.Enter, () => latest.current.keys.onRun('advance'));
        bind('run', 'Run cell', KeyMod.CtrlCmd | KeyCode.Enter, () => latest.current.keys.onRun('stay'));
        bind('runInsert', 'Run cell and insert below', KeyMod.Alt | KeyCode.Enter, () => latest.current.keys.onRun('insert'));
        bind('commandMode', 'Leave the cell editor', KeyCode.Escape, () => latest.current.keys.onEscape(), '!suggestWidgetVisible && !findWidgetVisible');
        editor.focus();
        const end = editor.getModel()!.getFullModelRange().getEndPosition();
        editor.setPosition(end);
        dispose = () => editor.dispose();
      })
      .catch(() => setFailed(true));
    return () => {
      disposed = true;
      dispose();
    };
  }, []);

  if (failed) {
    return (
      <textarea
        className="cell-textarea"
        aria-label={props.label}
        autoFocus
        defaultValue={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.shiftKey || e.ctrlKey || e.altKey)) {
            e.preventDefault();
            props.keys.onRun(e.shiftKey ? 'advance' : e.altKey ? 'insert' : 'stay');
          } else if (e.key === 'Escape') props.keys.onEscape();
        }}
      />
    );
  }
  return <div ref={host} className="cell-editor" />;
}
