import { describe, expect, it } from 'vitest';
import { pickMime, truncate } from './mime';

describe('mime choice and truncation', () => {
  it('prefers rich representations in nbformat order', () => {
    expect(pickMime({ 'text/plain': 'x', 'text/html': '<b>' })).toBe('text/html');
    expect(pickMime({ 'text/plain': 'x', 'image/png': 'AAA' })).toBe('image/png');
    expect(pickMime({ 'application/vnd.unknown': 1 })).toBeUndefined();
  });
  it('truncates long text and says how much is hidden', () => {
    expect(truncate('abcdef', 4)).toEqual({ text: 'abcd', hidden: 2 });
    expect(truncate('abc', 4)).toEqual({ text: 'abc', hidden: 0 });
  });
});
