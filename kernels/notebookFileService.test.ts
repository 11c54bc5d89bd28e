import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../scripts/test/tempDir';
import { emptyNotebook, serializeNotebook } from './nbformat';
import { NotebookFileService } from './notebookFileService';

let dir: ReturnType<typeof tempDir>;
let svc: NotebookFileService;
beforeEach(() => {
  dir = tempDir();
  svc = new NotebookFileService({ root: dir.path });
});
afterEach(() => dir.remove());

const PY = '/usr/bin/python3';

/** Writes a corpus with Python's nbformat, so the files are nbformat-canonical. */
function writeCorpus(folder: string): string[] {
  const script = String.raw`
import sys, nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell, new_raw_cell, new_output
out = sys.argv[1]
png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
nb = new_notebook(metadata={
  'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
  'lathe_unknown': {'nested': [1, 2.5, None, True, {'z': 'last', 'a': 'first'}], 'unicode': 'café ☕ 𝛑 \u2028 end'},
  'widgets': {'application/vnd.jupyter.widget-state+json': {'state': {'abc': {'model_name': 'IntSliderModel', 'state': {'value': 3}}}, 'version_major': 2, 'version_minor': 0}},
})
nb.cells = [
  new_markdown_cell('# Title\n\n![img](attachment:dot.png)', attachments={'dot.png': {'image/png': png}}, metadata={'tags': ['intro']}),
  new_code_cell('print("hi")\n1+1', execution_count=1, outputs=[
    new_output('stream', name='stdout', text='hi\n'),
    new_output('stream', name='stderr', text='warn\n'),
    new_output('execute_result', data={'text/plain': '2'}, execution_count=1),
  ]),
  new_code_cell('display(...)', execution_count=2, outputs=[
    new_output('display_data', data={'image/png': png, 'text/plain': '<Figure>', 'text/html': '<b>x</b>', 'application/json': {'a': [1, 2]}, 'application/vnd.custom.unknown+json': {'deep': {'k': 1}}}, metadata={'image/png': {'width': 10}}),
  ]),
  new_code_cell('1/0', execution_count=3, outputs=[
    new_output('error', ename='ZeroDivisionError', evalue='division by zero', traceback=['\u001b[0;31mZeroDivisionError\u001b[0m: division by zero']),
  ], metadata={'collapsed': False, 'scrolled': 'auto', 'jupyter': {'source_hidden': True}}),
  new_raw_cell('raw \\LaTeX', metadata={'format': 'text/latex'}),
  new_code_cell('', execution_count=None),
]
nbformat.validate(nb)
nbformat.write(nb, out + '/rich.ipynb')
nbformat.write(new_notebook(), out + '/empty.ipynb')
big = new_notebook(cells=[new_code_cell('x = 1', execution_count=i, outputs=[new_output('stream', name='stdout', text='line %d\n' % i)]) for i in range(300)])
nbformat.write(big, out + '/many.ipynb')
`;
  execFileSync(PY, ['-c', script, folder]);
  return ['rich.ipynb', 'empty.ipynb', 'many.ipynb'];
}

function validateWithNbformat(file: string): void {
  execFileSync(PY, ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', file]);
}

describe('notebook files', () => {
  it('round-trips nbformat-canonical notebooks byte for byte, and they still validate', async () => {
    for (const name of writeCorpus(dir.path)) {
      const before = readFileSync(join(dir.path, name), 'utf8');
      const nb = await svc.open(name);
      await svc.save(name, nb.content, { expectedMtimeMs: nb.mtimeMs });
      expect(readFileSync(join(dir.path, name), 'utf8'), name).toBe(before);
      validateWithNbformat(join(dir.path, name));
    }
  });

  it('writes edited string content exactly as Python nbformat would (split into lines)', async () => {
    const nb = (await svc.create('edit.ipynb')).content;
    nb.cells = [
      { cell_type: 'code', id: 'c1', metadata: {}, execution_count: 1, source: 'a = 1\r\nb = 2\n\nprint(a)\u2028x', outputs: [
        { output_type: 'stream', name: 'stdout', text: 'one\ntwo\n' },
        { output_type: 'display_data', metadata: {}, data: { 'text/html': '<b>\n</b>', 'image/svg+xml': '<svg>\n</svg>', 'application/json': { k: 'v\nw' }, 'image/png': 'iVBO\nRw0' } },
      ] },
      { cell_type: 'markdown', id: 'm1', metadata: {}, source: '' },
    ];
    await svc.save('edit.ipynb', nb);
    const file = join(dir.path, 'edit.ipynb');
    const ours = readFileSync(file, 'utf8');
    execFileSync(PY, ['-c', 'import sys, nbformat; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.write(nb, sys.argv[1])', file]);
    expect(ours).toBe(readFileSync(file, 'utf8'));
    expect((await svc.open('edit.ipynb')).content.cells[0]!.source).toEqual(['a = 1\r\n', 'b = 2\n', '\n', 'print(a)\u2028', 'x']);
  });

  it('keeps every field of a non-canonical file (JSON-equal) and writes it canonically', async () => {
    writeCorpus(dir.path);
    const original = JSON.parse(readFileSync(join(dir.path, 'rich.ipynb'), 'utf8'));
    writeFileSync(join(dir.path, 'compact.ipynb'), JSON.stringify(original));
    const nb = await svc.open('compact.ipynb');
    await svc.save('compact.ipynb', nb.content);
    const saved = readFileSync(join(dir.path, 'compact.ipynb'), 'utf8');
    expect(JSON.parse(saved)).toEqual(original);
    expect(saved).toBe(readFileSync(join(dir.path, 'rich.ipynb'), 'utf8'));
  });

  it('upgrades an nbformat 3 notebook on open as nbformat does, and a save writes a valid nbformat 4 file', async () => {
    const v3 = {
      nbformat: 3,
      nbformat_minor: 0,
      metadata: { name: 'old', kernelspec: { name: 'python3', display_name: 'Python 3' } },
      worksheets: [
        {
          cells: [
            { cell_type: 'heading', level: 2, source: ['Results'], metadata: {} },
            { cell_type: 'code', language: 'python', collapsed: false, input: ['x = 1\n', 'x'], prompt_number: 3, metadata: {}, outputs: [{ output_type: 'pyout', prompt_number: 3, text: ['1'], png: 'iVBORw0KGgo=', metadata: {} }, { output_type: 'stream', stream: 'stderr', text: ['warn\n'] }, { output_type: 'pyerr', ename: 'E', evalue: 'v', traceback: ['tb'] }] },
            { cell_type: 'html', source: '<b>x</b>', metadata: {} },
            { cell_type: 'markdown', source: 'text', metadata: {} },
          ],
        },
      ],
    };
    writeFileSync(join(dir.path, 'v3.ipynb'), JSON.stringify(v3));
    const opened = await svc.open('v3.ipynb');
    expect(opened.upgradedFrom).toBe(3);
    expect(opened.content).toMatchObject({ nbformat: 4, metadata: { kernelspec: { name: 'python3' } } });
    expect(opened.content.metadata).not.toHaveProperty('name');
    const [h, code, html, md] = opened.content.cells as Record<string, unknown>[];
    expect(h).toMatchObject({ cell_type: 'markdown', source: '## Results', id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(opened.content.nbformat_minor).toBe(5);
    expect(code).toMatchObject({ cell_type: 'code', source: ['x = 1\n', 'x'], execution_count: 3, metadata: { collapsed: false } });
    expect(code!.outputs).toEqual([
      { output_type: 'execute_result', execution_count: 3, data: { 'text/plain': ['1'], 'image/png': 'iVBORw0KGgo=' }, metadata: {} },
      { output_type: 'stream', name: 'stderr', text: ['warn\n'] },
      { output_type: 'error', ename: 'E', evalue: 'v', traceback: ['tb'] },
    ]);
    expect(html).toMatchObject({ cell_type: 'markdown', source: '<b>x</b>' });
    expect(md).toMatchObject({ cell_type: 'markdown', source: 'text' });
    // The file is unchanged until saved; the save is nbformat 4 that nbformat itself accepts.
    expect(JSON.parse(readFileSync(join(dir.path, 'v3.ipynb'), 'utf8')).nbformat).toBe(3);
    await svc.save('v3.ipynb', opened.content, { expectedMtimeMs: opened.mtimeMs });
    validateWithNbformat(join(dir.path, 'v3.ipynb'));
  });

  it('opens a notebook from a newer minor version with an unknown cell type, and saves that cell exactly as it was', async () => {
    const future = { id: 'f1', cell_type: 'widget-board', metadata: { layout: [1, 2] }, source: ['x'], state: { any: 'thing' } };
    const nb = { nbformat: 4, nbformat_minor: 7, metadata: {}, cells: [{ id: 'c1', cell_type: 'code', metadata: {}, source: 'x = 1', outputs: [], execution_count: null }, future] };
    writeFileSync(join(dir.path, 'future.ipynb'), JSON.stringify(nb));
    const opened = await svc.open('future.ipynb');
    (opened.content.cells[0] as { source: string }).source = 'x = 2';
    await svc.save('future.ipynb', opened.content, { expectedMtimeMs: opened.mtimeMs });
    const saved = JSON.parse(readFileSync(join(dir.path, 'future.ipynb'), 'utf8'));
    expect(saved.cells[1]).toEqual(future);
    expect(saved.cells[0].source).toEqual(['x = 2']);
    // In 4.0–4.5 the type is simply wrong, as nbformat says.
    writeFileSync(join(dir.path, 'wrong.ipynb'), JSON.stringify({ ...nb, nbformat_minor: 5 }));
    await expect(svc.open('wrong.ipynb')).rejects.toMatchObject({ code: 'NOTEBOOK_INVALID', message: expect.stringMatching(/cell 2 has cell_type "widget-board"/) });
  });

  it('explains truncated files, invalid JSON and non-notebooks, and changes nothing', async () => {
    writeCorpus(dir.path);
    const good = readFileSync(join(dir.path, 'rich.ipynb'), 'utf8');
    const cases: [string, string, RegExp][] = [
      ['cut.ipynb', good.slice(0, good.length / 2), /looks truncated/],
      ['bad.ipynb', good.replace('"cells": [', '"cells": [,'), /is not valid JSON \(Unexpected token.*"cells": \[,/],
      ['merge.ipynb', good.replace(/^ "metadata": \{/m, '<<<<<<< HEAD\n "metadata": {'), /merge conflict markers \(first at line \d+\)/],
      ['list.ipynb', '[1, 2]', /not a notebook/],
      ['cell.ipynb', JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code' }] }), /cell 1 has no text "source"/],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(join(dir.path, name), text);
      await expect(svc.open(name), name).rejects.toMatchObject({ message: expect.stringMatching(message) });
      expect(readFileSync(join(dir.path, name), 'utf8')).toBe(text);
    }
  });

  it('opens and saves a cell with a 10 MB line', async () => {
    const nb = (await svc.create('big.ipynb')).content;
    (nb.cells[0] as { source: string }).source = 'x = "' + 'a'.repeat(10 * 1024 * 1024) + '"';
    await svc.save('big.ipynb', nb);
    const again = await svc.open('big.ipynb');
    expect((again.content.cells[0]!.source as string[]).join('').length).toBe(10 * 1024 * 1024 + 6);
    validateWithNbformat(join(dir.path, 'big.ipynb'));
  });

  it('opens a notebook with a 200 MB output and a 3 MB image as small stand-ins, and saves them back byte for byte', async () => {
    const nb = emptyNotebook();
    const big = 'x'.repeat(99) + '\n';
    nb.cells = [
      { cell_type: 'code', id: 'huge', execution_count: 1, metadata: {}, source: 'print(lots)', outputs: [{ output_type: 'stream', name: 'stdout', text: big.repeat(2_000_000) }] },
      { cell_type: 'code', id: 'pic', execution_count: 2, metadata: {}, source: 'plot()', outputs: [{ output_type: 'display_data', data: { 'image/png': 'A'.repeat(3 * 1024 * 1024), 'text/plain': '<Figure>' }, metadata: {} }, { output_type: 'stream', name: 'stdout', text: 'small\n' }] },
      { cell_type: 'code', id: 'edit', execution_count: null, metadata: {}, source: 'a = 1', outputs: [] },
    ];
    const file = join(dir.path, 'huge.ipynb');
    writeFileSync(file, serializeNotebook(nb));
    const before = readFileSync(file);
    const opened = await svc.open('huge.ipynb');
    expect(JSON.stringify(opened.content).length).toBeLessThan(400_000);
    const [standIn] = opened.content.cells[0]!.outputs as Record<string, unknown>[];
    expect(standIn).toMatchObject({ output_type: 'stream', name: 'stdout', lathe_elided: { id: expect.stringMatching(/^huge:0:/), chars: expect.any(Number), kinds: ['stdout'] } });
    const elided = standIn!.lathe_elided as { id: string; chars: number };
    expect(elided.chars).toBeGreaterThanOrEqual(200_000_000);
    expect((standIn!.text as string).length).toBe(100_000);
    expect(opened.content.cells[1]!.outputs).toEqual([
      { output_type: 'display_data', data: { 'text/plain': '[3.0 MB output (image/png, text/plain), kept in the file unchanged]' }, metadata: {}, lathe_elided: expect.objectContaining({ kinds: ['image/png', 'text/plain'] }) },
      { output_type: 'stream', name: 'stdout', text: ['small\n'] },
    ]);
    // The original is at hand to show on request.
    expect(((await svc.output('huge.ipynb', elided.id)).text as string[]).join('').length).toBe(200_000_000);

    // Saved as opened: the same bytes. Edited elsewhere: the big outputs are still there, unchanged.
    const r1 = await svc.save('huge.ipynb', opened.content, { expectedMtimeMs: opened.mtimeMs });
    expect(readFileSync(file).equals(before)).toBe(true);
    (opened.content.cells[2] as { source: string }).source = 'a = 2';
    await svc.save('huge.ipynb', opened.content, { expectedMtimeMs: r1.mtimeMs });
    const after = JSON.parse(readFileSync(file, 'utf8')) as typeof nb;
    expect(after.cells[2]!.source).toEqual(['a = 2']);
    expect((after.cells[0]!.outputs as { text: string[] }[])[0]!.text.join('').length).toBe(200_000_000);
    expect((after.cells[1]!.outputs as { data: Record<string, string> }[])[0]!.data['image/png']!.length).toBe(3 * 1024 * 1024);

    // A core that never opened it cannot put the originals back: it refuses and writes nothing.
    const size = statSync(file).size;
    await expect(new NotebookFileService({ root: dir.path }).save('huge.ipynb', opened.content)).rejects.toMatchObject({ code: 'ELIDED_OUTPUT_MISSING', message: expect.stringMatching(/Reopen the notebook.*was not written/) });
    expect(statSync(file).size).toBe(size);
  }, 60_000);

  it('refuses to overwrite a file that changed on disk, unless forced', async () => {
    const created = await svc.create('a.ipynb');
    const file = join(dir.path, 'a.ipynb');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"cells": [', '"cells": [ ').replace(' ', ' '));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const onDisk = readFileSync(file, 'utf8');
    await expect(svc.save('a.ipynb', created.content, { expectedMtimeMs: created.mtimeMs })).rejects.toMatchObject({ code: 'FILE_CHANGED_ON_DISK', message: expect.stringMatching(/changed on disk/) });
    expect(readFileSync(file, 'utf8')).toBe(onDisk);
    await svc.save('a.ipynb', created.content, { expectedMtimeMs: created.mtimeMs, force: true });
    expect(readFileSync(file, 'utf8')).not.toBe(onDisk);
  });

  it('keeps a checkpoint to revert to, renames without overwriting, creates without overwriting', async () => {
    const nb = (await svc.create('n.ipynb')).content;
    (nb.cells[0] as { source: string }).source = 'first';
    await svc.save('n.ipynb', nb);
    await svc.createCheckpoint('n.ipynb');
    expect(statSync(join(dir.path, '.ipynb_checkpoints', 'n-checkpoint.ipynb')).isFile()).toBe(true);
    (nb.cells[0] as { source: string }).source = 'second';
    await svc.save('n.ipynb', nb);
    expect((await svc.restoreCheckpoint('n.ipynb')).content.cells[0]!.source).toEqual(['first']);
    await svc.create('other.ipynb');
    await expect(svc.rename('n.ipynb', 'other.ipynb')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await svc.rename('n.ipynb', 'sub/renamed.ipynb');
    expect((await svc.open('sub/renamed.ipynb')).content.cells[0]!.source).toEqual(['first']);
    await expect(svc.create('other.ipynb')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('never reads or writes outside the workspace', async () => {
    const outside = tempDir();
    try {
      writeFileSync(join(outside.path, 'x.ipynb'), '{}');
      symlinkSync(outside.path, join(dir.path, 'escape'));
      mkdirSync(join(dir.path, 'ok'));
      for (const p of ['../x.ipynb', `${outside.path}/x.ipynb`, 'ok/../../x.ipynb', 'escape/x.ipynb', 'escape/new.ipynb']) {
        await expect(svc.open(p), p).rejects.toMatchObject({ code: expect.stringMatching(/PATH_OUTSIDE_WORKSPACE|NOT_FOUND/) });
        await expect(svc.create(p), p).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
      }
      expect(readFileSync(join(outside.path, 'x.ipynb'), 'utf8')).toBe('{}');
      await expect(svc.open('notes.txt')).rejects.toMatchObject({ message: expect.stringMatching(/must end in \.ipynb/) });
      // A NUL in a path is named as such (it used to surface as an INTERNAL error from the file system).
      for (const p of ['a\0b.ipynb', 'dir\0/x.ipynb']) {
        await expect(svc.save(p, emptyNotebook()), p).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('NUL character') });
        await expect(svc.open(p), p).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
    } finally {
      outside.remove();
    }
  });
});

describe('temp files of interrupted saves (issue 23)', () => {
  it('are removed when the notebook is next opened or saved; other notebooks’ are left alone', async () => {
    writeFileSync(join(dir.path, 'n.ipynb'), serializeNotebook(emptyNotebook()));
    const left = join(dir.path, '.n.ipynb.lathe-0badf00d.tmp');
    const other = join(dir.path, '.m.ipynb.lathe-0badf00d.tmp');
    writeFileSync(left, Buffer.alloc(2 * 1024 * 1024, 'x')); // what a save killed after writing 2 MB leaves
    writeFileSync(other, 'someone else');
    await svc.open('n.ipynb');
    expect(existsSync(left)).toBe(false);
    expect(existsSync(other)).toBe(true);
    writeFileSync(left, 'again');
    await svc.save('n.ipynb', emptyNotebook());
    expect(readdirSync(dir.path).sort()).toEqual(['.m.ipynb.lathe-0badf00d.tmp', 'n.ipynb']);
  });
});

describe('the nbformat 4 schema at the boundary (issue 14)', () => {
  /** Whether Python's nbformat (the reference) accepts a notebook. */
  const pythonAccepts = (nb: unknown) => spawnSync(PY, ['-c', 'import sys, nbformat; nbformat.validate(nbformat.reads(sys.stdin.read(), as_version=4))'], { input: JSON.stringify(nb), stdio: ['pipe', 'ignore', 'ignore'] }).status === 0;
  const good = () => ({ ...emptyNotebook(), cells: [{ cell_type: 'code', id: 'c1', metadata: {}, source: 'print(1)', execution_count: 1, outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }] }] }) as Record<string, unknown> & { cells: Record<string, unknown>[]; metadata: Record<string, unknown> };
  const cases: [string, (nb: ReturnType<typeof good>) => void, RegExp][] = [
    ['metadata a string', (nb) => void (nb.metadata = 'oops' as never), /"metadata" must be an object, not string "oops"/],
    ['kernelspec a number', (nb) => void (nb.metadata.kernelspec = 3), /metadata\.kernelspec must be an object with "name" and "display_name"/],
    ['outputs not a list', (nb) => void (nb.cells[0]!.outputs = 'x'), /cell 1 \(code\) "outputs" must be a list/],
    ['an output of no known type', (nb) => void (nb.cells[0]!.outputs = [{ output_type: 'weird' }]), /output 1 "output_type" must be stream, display_data/],
    ['a stream without text', (nb) => void (nb.cells[0]!.outputs = [{ output_type: 'stream', name: 'stdout' }]), /output 1 "text" is missing \(it must be a string or a list/],
    ['an execution_count of -1', (nb) => void (nb.cells[0]!.execution_count = -1), /"execution_count" must be a whole number or null/],
    ['a cell id with spaces', (nb) => void (nb.cells[0]!.id = 'has space'), /"id" must be 1 to 64 letters/],
  ];

  it('refuses what Python’s nbformat refuses, naming the field, on open and on save; nothing on disk changes', async () => {
    expect(pythonAccepts(good())).toBe(true);
    writeFileSync(join(dir.path, 'ok.ipynb'), serializeNotebook(good() as never));
    const before = readFileSync(join(dir.path, 'ok.ipynb'), 'utf8');
    for (const [what, spoil, message] of cases) {
      const nb = good();
      spoil(nb);
      expect(pythonAccepts(nb), `python on ${what}`).toBe(false);
      writeFileSync(join(dir.path, 'bad.ipynb'), JSON.stringify(nb));
      await expect(svc.open('bad.ipynb'), what).rejects.toMatchObject({ code: 'NOTEBOOK_INVALID', message: expect.stringMatching(message) });
      await expect(svc.save('ok.ipynb', nb as never), what).rejects.toMatchObject({ code: 'NOTEBOOK_INVALID', message: expect.stringMatching(message) });
    }
    expect(readFileSync(join(dir.path, 'ok.ipynb'), 'utf8')).toBe(before);
  });
});

describe('checkpoints stay in the workspace (issue 14, item 3)', () => {
  const nbText = serializeNotebook(emptyNotebook());
  let outside: ReturnType<typeof tempDir>;
  beforeEach(() => {
    outside = tempDir();
    writeFileSync(join(dir.path, 'n.ipynb'), nbText);
  });
  afterEach(() => outside.remove());

  it('refuses to write through a symlinked .ipynb_checkpoints folder', async () => {
    symlinkSync(outside.path, join(dir.path, '.ipynb_checkpoints'));
    await expect(svc.createCheckpoint('n.ipynb')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    expect(readdirSync(outside.path)).toEqual([]);
  });

  it('refuses to write through a checkpoint file that links outside, even one that points nowhere yet', async () => {
    mkdirSync(join(dir.path, '.ipynb_checkpoints'));
    symlinkSync(join(outside.path, 'planted.ipynb'), join(dir.path, '.ipynb_checkpoints', 'n-checkpoint.ipynb'));
    await expect(svc.createCheckpoint('n.ipynb')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    expect(existsSync(join(outside.path, 'planted.ipynb'))).toBe(false);
    // An existing outside file behind the link is neither overwritten nor read back into the notebook.
    writeFileSync(join(outside.path, 'planted.ipynb'), JSON.stringify({ ...emptyNotebook(), metadata: { stolen: true } }));
    await expect(svc.createCheckpoint('n.ipynb')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(svc.restoreCheckpoint('n.ipynb')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    expect(readFileSync(join(dir.path, 'n.ipynb'), 'utf8')).toBe(nbText);
    expect(JSON.parse(readFileSync(join(outside.path, 'planted.ipynb'), 'utf8')).metadata).toEqual({ stolen: true });
  });

  it('refuses a notebook path that is a dangling link out of the workspace', async () => {
    symlinkSync(join(outside.path, 'new.ipynb'), join(dir.path, 'dangling.ipynb'));
    await expect(svc.create('dangling.ipynb')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(svc.save('dangling.ipynb', emptyNotebook())).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    expect(existsSync(join(outside.path, 'new.ipynb'))).toBe(false);
  });

  it('still writes and restores a checkpoint of its own, atomically', async () => {
    await svc.createCheckpoint('n.ipynb');
    const cp = join(dir.path, '.ipynb_checkpoints', 'n-checkpoint.ipynb');
    expect(readFileSync(cp, 'utf8')).toBe(nbText);
    expect(readdirSync(join(dir.path, '.ipynb_checkpoints'))).toEqual(['n-checkpoint.ipynb']);
  });
});

describe('notebook files over RPC', () => {
  it('opens and saves through the channel without losing a byte', async () => {
    const { RpcServer } = await import('../main/common/rpcServer');
    const { RpcClient, createProxy } = await import('../main/common/rpcClient');
    const { createMemoryPortPair } = await import('../main/common/memoryTransport');
    const { NotebookFileChannel } = await import('../main/common/notebooks');
    const server = new RpcServer();
    server.serveChannel(NotebookFileChannel, svc);
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    const files = createProxy(new RpcClient(a), NotebookFileChannel);
    writeCorpus(dir.path);
    const before = readFileSync(join(dir.path, 'rich.ipynb'), 'utf8');
    const nb = await files.open('rich.ipynb');
    expect(nb.path).toBe('rich.ipynb');
    await files.save('rich.ipynb', nb.content, { expectedMtimeMs: nb.mtimeMs });
    expect(readFileSync(join(dir.path, 'rich.ipynb'), 'utf8')).toBe(before);
    await expect(files.save('rich.ipynb', { nbformat: 4 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(files.open('../../etc/passwd.ipynb')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
  });
});
