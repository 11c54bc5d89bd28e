import { describe, expect, it } from 'vitest';
import { closeTab, cycleTab, kindFor, openTab, pinTab, renameTabs, reopenClosed, tabTitles, type TabsState } from './editorTabs';
import { untitledName } from './untitled';

const empty: TabsState = { tabs: [], closed: [] };
const paths = (s: TabsState) => s.tabs.map((t) => `${t.path}${t.preview ? '*' : ''}`);

describe('editor tabs', () => {
  it('opens after the active tab, activates an open file instead of opening it twice, and picks the editor by file type', () => {
    let s = openTab(empty, 'a.ipynb');
    s = openTab(s, 'b.py');
    s = { ...s, active: 'a.ipynb' };
    s = openTab(s, 'c.md');
    expect(paths(s)).toEqual(['a.ipynb', 'c.md', 'b.py']);
    expect(s.active).toBe('c.md');
    s = openTab(s, 'b.py');
    expect(paths(s)).toEqual(['a.ipynb', 'c.md', 'b.py']);
    expect(s.active).toBe('b.py');
    expect(s.tabs.map((t) => t.kind)).toEqual(['notebook', 'text', 'text']);
    expect(kindFor('X.IPYNB')).toBe('notebook');
  });

  it('keeps one preview tab, replaced by the next preview; pinning or opening it for editing keeps it', () => {
    let s = openTab(empty, 'keep.py');
    s = openTab(s, 'p1.py', true);
    s = openTab(s, 'p2.py', true);
    expect(paths(s)).toEqual(['keep.py', 'p2.py*']);
    s = pinTab(s, 'p2.py');
    s = openTab(s, 'p3.py', true);
    expect(paths(s)).toEqual(['keep.py', 'p2.py', 'p3.py*']);
    s = openTab(s, 'p3.py');
    expect(paths(s)).toEqual(['keep.py', 'p2.py', 'p3.py']);
    // A single click on a file already open as a normal tab leaves it normal.
    expect(paths(openTab(s, 'keep.py', true))).toEqual(['keep.py', 'p2.py', 'p3.py']);
  });

  it('closing activates the right-hand neighbour (else the left), remembers closed tabs to reopen, newest first', () => {
    let s = ['a', 'b', 'c'].reduce((acc, p) => openTab(acc, p), empty);
    s = { ...s, active: 'b' };
    s = closeTab(s, 'b');
    expect(s.active).toBe('c');
    s = closeTab(s, 'c');
    expect(s.active).toBe('a');
    expect(s.closed).toEqual(['c', 'b']);
    s = reopenClosed(s);
    expect(paths(s)).toEqual(['a', 'c']);
    expect(s.active).toBe('c');
    expect(s.closed).toEqual(['b']);
    expect(closeTab(s, 'nope')).toBe(s);
  });

  it('follows renames of files and of the folders holding them; cycles with wrap-around', () => {
    let s = ['src/a.py', 'src/sub/b.py', 'srcx/c.py'].reduce((acc, p) => openTab(acc, p), empty);
    s = renameTabs(s, 'src', 'lib');
    expect(paths(s)).toEqual(['lib/a.py', 'lib/sub/b.py', 'srcx/c.py']);
    expect(s.active).toBe('srcx/c.py');
    s = renameTabs(s, 'lib/a.py', 'lib/a.ipynb');
    expect(s.tabs[0]!.kind).toBe('notebook');
    expect(cycleTab(s, 1).active).toBe('lib/a.ipynb');
    expect(cycleTab(s, -1).active).toBe('lib/sub/b.py');
  });

  it('titles are file names, with the folder where two open files share a name', () => {
    const s = ['a/train.py', 'b/train.py', 'README.md', 'train.py'].reduce((acc, p) => openTab(acc, p), empty);
    expect([...tabTitles(s.tabs).values()]).toEqual(['train.py — a', 'train.py — b', 'README.md', 'train.py — ./']);
  });

  it('names new files as Jupyter does: Untitled, Untitled1…, case-insensitively free', () => {
    expect(untitledName([], 'Untitled.ipynb')).toBe('Untitled.ipynb');
    expect(untitledName(['untitled.ipynb', 'Untitled1.ipynb'], 'Untitled.ipynb')).toBe('Untitled2.ipynb');
    expect(untitledName(['untitled.txt'], 'untitled.txt')).toBe('untitled1.txt');
  });
});
