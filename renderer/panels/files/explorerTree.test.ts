import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../../../main/common/files';
import { languageFor } from '../../shared/monaco';
import { checkNewName, targetFolder, visibleRows, type FolderState } from './explorerTree';

const e = (path: string, kind: FileEntry['kind'] = 'file'): FileEntry => ({ name: path.slice(path.lastIndexOf('/') + 1), path, kind, link: false });

describe('explorer tree', () => {
  it('shows listed folders depth first with ARIA levels and positions; a folder not listed yet shows no children', () => {
    const folders = new Map<string, FolderState>([
      ['', { entries: [e('data', 'dir'), e('src', 'dir'), e('README.md')], omitted: 0 }],
      ['src', { entries: [e('src/pkg', 'dir'), e('src/train.py')], omitted: 0 }],
      ['src/pkg', 'loading'],
      ['data', { entries: [e('data/a.csv')], omitted: 0 }],
    ]);
    const rows = visibleRows(folders, new Set(['src', 'src/pkg']));
    expect(rows.map((r) => [r.entry.path, r.level, r.pos, r.size, r.expanded])).toEqual([
      ['data', 1, 1, 3, false],
      ['src', 1, 2, 3, true],
      ['src/pkg', 2, 1, 2, true],
      ['src/train.py', 2, 2, 2, undefined],
      ['README.md', 1, 3, 3, undefined],
    ]);
  });

  it('puts new entries into the selected folder, or beside the selected file', () => {
    expect(targetFolder(undefined)).toBe('');
    expect(targetFolder(e('src', 'dir'))).toBe('src');
    expect(targetFolder(e('src/train.py'))).toBe('src');
    expect(targetFolder(e('top.py'))).toBe('');
  });

  it('refuses names that are not names, saying why', () => {
    expect(checkNewName('  ')).toMatch(/Give a name/);
    expect(checkNewName('..')).toMatch(/not names/);
    expect(checkNewName('a/../b')).toMatch(/not names/);
    expect(checkNewName('/abs')).toMatch(/start or end/);
    expect(checkNewName('a\\b')).toMatch(/backslash/);
    expect(checkNewName('notes/today.md')).toBeUndefined();
  });

  it('picks highlighting by file name', () => {
    expect(['train.py', 'env.yml', 'README.md', 'run.sh', 'q.sql', 'conf.toml', 'Dockerfile', 'data.json', 'notes.txt', '.env'].map(languageFor)).toEqual([
      'python', 'yaml', 'markdown', 'shell', 'sql', 'ini', 'dockerfile', 'javascript', 'plaintext', 'ini',
    ]);
  });
});
