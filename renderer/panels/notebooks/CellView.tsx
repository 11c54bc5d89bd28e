import { memo, useMemo } from 'react';
import { CellEditor, type CellEditorKeys } from './CellEditor';
import type { CellModel } from './notebookModel';
import { OutputArea } from './outputs/OutputArea';
import { formatBytes } from '../../../main/common/format';

/** A cell not being edited shows this much of its source: laying out a 10 MB line would freeze the page for seconds. */
const STATIC_SOURCE_CHARS = 20_000;
import { renderMarkdown } from '../../shared/markdown';

/** Props of one cell. */
export interface CellViewProps {
  cell: CellModel;
  index: number;
  active: boolean;
  editing: boolean;
  theme: 'dark' | 'light';
  collapsed: { input?: boolean; output?: boolean };
  onSelect(index: number, edit: boolean): void;
  onChange(key: string, source: string): void;
  onToggle(key: string, part: 'input' | 'output'): void;
  keys: CellEditorKeys;
}

/**
 * One cell. Only the edited cell mounts Monaco; the others are static text, and the browser skips laying
 * out cells far off screen (content-visibility), so a 2,000-cell notebook stays light.
 */
export const CellView = memo(function CellView(p: CellViewProps) {
  const { cell, index, active, editing } = p;
  const prompt = cell.type !== 'code' ? '' : cell.state === 'running' || cell.state === 'queued' ? '[*]:' : `[${cell.executionCount ?? ' '}]:`;
  const markdown = useMemo(
    () => (cell.type === 'markdown' && !editing ? renderMarkdown(cell.source || '*Empty Markdown cell: press Enter to edit*', cell.raw.attachments as never) : ''),
    [cell.type, cell.source, cell.raw.attachments, editing],
  );
  const label = `Cell ${index + 1}, ${cell.type}${cell.state ? `, ${cell.state}` : ''}`;
  return (
    <section
      className={`cell cell-${cell.type}${active ? ' active' : ''}${editing ? ' editing' : ''}`}
      aria-label={label}
      aria-current={active ? 'true' : undefined}
      data-cell-index={index}
      // Selecting scrolls the cell into view; doing that under a pressed button (e.g. "show more" in an output)
      // would move it before the mouse comes up and lose the click.
      onMouseDown={(e) => !active && !(e.target as HTMLElement).closest('button, a, input, select, textarea') && p.onSelect(index, false)}
    >
      <div className="cell-gutter">
        <span className="prompt" aria-label={cell.type === 'code' ? `Execution count ${cell.executionCount ?? 'none'}` : undefined}>
          {prompt}
        </span>
        <button className="collapser" aria-label={`${p.collapsed.input ? 'Expand' : 'Collapse'} input of cell ${index + 1}`} onClick={() => p.onToggle(cell.key, 'input')}>
          {p.collapsed.input ? '▸' : '▾'}
        </button>
      </div>
      <div className="cell-body">
        {p.collapsed.input ? (
          <div className="collapsed-note muted">input hidden</div>
        ) : cell.type === 'unknown' ? (
          <div className="unknown-cell" role="note" aria-label={`Cell of unknown type ${String(cell.raw.cell_type)}`}>
            <p className="muted">{`A “${String(cell.raw.cell_type)}” cell, from a newer notebook format than this version of Lathe reads. It is kept exactly as it is; edit it in the tool that made it.`}</p>
            <pre className="cell-source">{cell.source || ' '}</pre>
          </div>
        ) : editing ? (
          <CellEditor value={cell.source} language={cell.type === 'code' ? 'python' : cell.type === 'markdown' ? 'markdown' : 'plaintext'} theme={p.theme} onChange={(v) => p.onChange(cell.key, v)} keys={p.keys} label={`Editor for cell ${index + 1}`} />
        ) : cell.type === 'markdown' ? (
          <div className="markdown-cell rich-output" onDoubleClick={() => p.onSelect(index, true)} dangerouslySetInnerHTML={{ __html: markdown }} />
        ) : (
          <pre className="cell-source" onDoubleClick={() => p.onSelect(index, true)} onClick={() => active && p.onSelect(index, true)}>
            {cell.source.length > STATIC_SOURCE_CHARS ? (
              <>
                {cell.source.slice(0, STATIC_SOURCE_CHARS)}
                <span className="muted">{`… (${formatBytes(cell.source.length)} in all; edit the cell to see the rest)`}</span>
              </>
            ) : (
              cell.source || ' '
            )}
          </pre>
        )}
        {cell.type === 'code' && cell.outputs.length > 0 && (
          <div className="cell-outputs">
            <button className="collapser" aria-label={`${p.collapsed.output ? 'Expand' : 'Collapse'} output of cell ${index + 1}`} onClick={() => p.onToggle(cell.key, 'output')}>
              {p.collapsed.output ? '▸' : '▾'}
            </button>
            {p.collapsed.output ? <div className="collapsed-note muted">output hidden</div> : <OutputArea outputs={cell.outputs} />}
          </div>
        )}
      </div>
    </section>
  );
});
