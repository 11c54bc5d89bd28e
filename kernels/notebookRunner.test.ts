import { describe, expect, it } from 'vitest';
import { parametersSource, parseParam } from './notebookRunner';

describe('notebook parameters', () => {
  it('types -p values as papermill does', () => {
    expect(parseParam('epochs=20')).toEqual(['epochs', 20]);
    expect(parseParam('lr=0.01')).toEqual(['lr', 0.01]);
    expect(parseParam('scale=1e-3')).toEqual(['scale', 0.001]);
    expect(parseParam('flag=True')).toEqual(['flag', true]);
    expect(parseParam('off=false')).toEqual(['off', false]);
    expect(parseParam('x=None')).toEqual(['x', null]);
    expect(parseParam('name=iris v2')).toEqual(['name', 'iris v2']);
    expect(parseParam('eq=a=b')).toEqual(['eq', 'a=b']);
    expect(parseParam('empty=')).toEqual(['empty', '']);
    expect(() => parseParam('no-equals')).toThrow(/NAME=VALUE/);
    expect(() => parseParam('1x=2')).toThrow(/Python name/);
  });

  it('writes Python assignments, quoting strings safely', () => {
    expect(parametersSource({ a: 1, b: 0.5, c: true, d: null, e: 'it\'s "quoted"\n' })).toBe('# Parameters\na = 1\nb = 0.5\nc = True\nd = None\ne = "it\'s \\"quoted\\"\\n"\n');
  });
});
