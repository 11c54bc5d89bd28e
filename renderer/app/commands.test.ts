import { describe, expect, it } from 'vitest';
import { filterCommands, type Command } from './commands';

const cmd = (title: string): Command => ({ id: title, title, run: () => undefined });
const all = [cmd('Theme: Toggle Dark/Light'), cmd('Terminal: New Terminal'), cmd('View: Show Terminal'), cmd('Theme: Light')];

describe('filterCommands', () => {
  it('keeps commands containing every query word, in any order', () => {
    expect(filterCommands(all, 'term new').map((c) => c.title)).toEqual(['Terminal: New Terminal']);
    expect(filterCommands(all, 'light theme').map((c) => c.title)).toEqual(['Theme: Light', 'Theme: Toggle Dark/Light']);
  });
  it('ranks a prefix match first and is case-insensitive', () => {
    expect(filterCommands(all, 'VIEW')[0]?.title).toBe('View: Show Terminal');
    expect(filterCommands(all, 'terminal').map((c) => c.title)).toEqual(['Terminal: New Terminal', 'View: Show Terminal']);
  });
  it('returns everything for an empty query and nothing for a miss', () => {
    expect(filterCommands(all, '  ')).toHaveLength(4);
    expect(filterCommands(all, 'zzz')).toEqual([]);
  });
});
