import { describe, expect, it } from 'vitest';
import type { NotebookJson } from '../../../main/common/notebooks';
import { applyKernelEvent, convertCell, deleteCell, fromJson, insertCell, moveCell, restoreCell, toJson, updateCell } from './notebookModel';

const nb: NotebookJson = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3' }, custom: { keep: [1, 2] } },
  cells: [
    { cell_type: 'markdown', id: 'md1', metadata: { tags: ['x'] }, source: ['# Hi\n', 'there'], attachments: { 'a.png': { 'image/png': 'AAA' } } },
    { cell_type: 'code', id: 'c1', metadata: { collapsed: true }, execution_count: 3, source: ['print(1)'], outputs: [{ output_type: 'stream', name: 'stdout', text: ['1\n'] }, { output_type: 'unknown_type', weird: true } as never] },
    { cell_type: 'raw', id: 'r1', metadata: { format: 'text/latex' }, source: 'raw' },
  ],
  unknown_top: 'kept',
};

describe('notebook model', () => {
  it('writes an unedited notebook back exactly as read, unknown fields and outputs included', () => {
    expect(toJson(fromJson(structuredClone(nb)))).toEqual(nb);
  });

  it('keeps a cell of a type from a newer format exactly as read, outputs and all, next to edited cells', () => {
    const future = { cell_type: 'widget-board', id: 'w1', metadata: {}, source: 'x', outputs: [{ output_type: 'stream', name: 'stdout', text: 'kept' }], extra: 1 };
    const doc = fromJson({ ...nb, nbformat_minor: 7, cells: [...nb.cells, future as never] });
    expect(doc.cells.at(-1)!.type).toBe('unknown');
    const edited = updateCell(doc, 'c1', (c) => ({ ...c, source: 'print(2)' }));
    expect(toJson(edited).cells.at(-1)).toBe(future);
    expect(convertCell(doc.cells.at(-1)!, 'unknown')).toBe(doc.cells.at(-1));
  });

  it('changes only what was edited', () => {
    let doc = fromJson(structuredClone(nb));
    doc = updateCell(doc, 'c1', (c) => ({ ...c, source: 'print(2)' }));
    const out = toJson(doc);
    expect(out.cells[1]).toEqual({ ...nb.cells[1], source: 'print(2)' });
    expect(out.cells[0]).toEqual(nb.cells[0]);
  });

  it('inserts, deletes with undo, moves and converts cells', () => {
    let doc = fromJson(structuredClone(nb));
    doc = insertCell(doc, 1, 'code');
    expect(doc.cells.map((c) => c.type)).toEqual(['markdown', 'code', 'code', 'raw']);
    const [after, removed] = deleteCell(doc, 2);
    expect(after.cells.map((c) => c.key)).toEqual(['md1', doc.cells[1]?.key, 'r1']);
    doc = restoreCell(after, 2, removed!);
    expect(doc.cells[2]?.key).toBe('c1');
    doc = moveCell(doc, 3, 0);
    expect(doc.cells.map((c) => c.key)[0]).toBe('r1');
    expect(moveCell(doc, 0, -1)).toBe(doc);
    // A source index out of range moves nothing (it used to insert an undefined cell).
    expect(moveCell(doc, doc.cells.length, 0)).toBe(doc);
    expect(moveCell(doc, -1, 0)).toBe(doc);
    const md = convertCell(doc.cells.find((c) => c.key === 'c1')!, 'markdown');
    const json = toJson(updateCell(doc, 'c1', () => md));
    const converted = json.cells.find((c) => c.id === 'c1')!;
    expect(converted.cell_type).toBe('markdown');
    expect(converted).not.toHaveProperty('outputs');
    expect(converted).not.toHaveProperty('execution_count');
    // Deleting the last cell leaves one empty code cell, as Jupyter does.
    expect(deleteCell(fromJson({ ...nb, cells: [nb.cells[0]!] }), 0)[0].cells).toHaveLength(1);
  });

  it('applies kernel events: merged streams, clear_output(wait), display updates, execution count', () => {
    let c = fromJson(structuredClone(nb)).cells[1]!;
    c = { ...c, outputs: [] };
    const ev = (e: object) => (c = applyKernelEvent(c, e as never));
    ev({ type: 'executeInput', execId: 'x', executionCount: 7 });
    ev({ type: 'output', execId: 'x', output: { output_type: 'stream', name: 'stdout', text: 'a' } });
    ev({ type: 'output', execId: 'x', output: { output_type: 'stream', name: 'stdout', text: 'b\n' } });
    ev({ type: 'output', execId: 'x', output: { output_type: 'display_data', data: { 'text/plain': 'v1' }, metadata: {}, transient: { display_id: 'd1' } } });
    ev({ type: 'updateDisplay', execId: 'x', displayId: 'd1', output: { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: {}, transient: { display_id: 'd1' } } });
    expect(c.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'ab\n' },
      { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: {}, transient: { display_id: 'd1' } },
    ]);
    ev({ type: 'clearOutput', execId: 'x', wait: true });
    expect(c.outputs).toHaveLength(2);
    ev({ type: 'output', execId: 'x', output: { output_type: 'stream', name: 'stdout', text: 'fresh' } });
    expect(c.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'fresh' }]);
    const saved = toJson({ rest: { nbformat: 4, nbformat_minor: 5, metadata: {} }, cells: [{ ...c, outputs: [{ output_type: 'display_data', data: {}, metadata: {}, transient: { display_id: 'z' } }] }] });
    expect(saved.cells[0]).toMatchObject({ execution_count: 7, outputs: [{ output_type: 'display_data', data: {}, metadata: {} }] });
    expect(saved.cells[0]?.outputs).toEqual([{ output_type: 'display_data', data: {}, metadata: {} }]);
  });
});
