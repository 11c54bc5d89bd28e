import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../scripts/test/tempDir';
import { notebookPython } from './notebookPython';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('the notebooks’ Python', () => {
  it('is the python of `python -m jupyter_server`, or the #! interpreter of a jupyter-server script', () => {
    const d = dirs.make();
    expect(notebookPython({ argv: ['/opt/py/bin/python3', '-m', 'jupyter_server'], source: '' })).toBe('/opt/py/bin/python3');
    writeFileSync(join(d, 'direct'), '#!/usr/bin/python3 -s\nimport sys\n');
    expect(notebookPython({ argv: [join(d, 'direct')], source: '' })).toBe('/usr/bin/python3');
    mkdirSync(join(d, 'bin'));
    writeFileSync(join(d, 'bin', 'python3'), '#!/bin/sh\n');
    chmodSync(join(d, 'bin', 'python3'), 0o755);
    writeFileSync(join(d, 'viaenv'), '#!/usr/bin/env python3\n');
    expect(notebookPython({ argv: [join(d, 'viaenv')], source: '' }, { PATH: `/nonexistent:${join(d, 'bin')}` })).toBe(join(d, 'bin', 'python3'));
    writeFileSync(join(d, 'binary'), 'ELF');
    expect(notebookPython({ argv: [join(d, 'binary')], source: '' })).toBeUndefined();
    expect(notebookPython({ argv: [join(d, 'missing')], source: '' })).toBeUndefined();
  });
});
