import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode, errorTitle, fromWireError, isAppError, isErrorCode, toWireError } from './errors';

describe('error codes', () => {
  it('gives every code a user-facing title: a short sentence, never the code itself', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(isErrorCode(code), code).toBe(true);
      const title = errorTitle(code);
      expect(title, code).toMatch(/^[A-Za-z].{2,80}\.$/);
      expect(title, code).not.toContain(code);
    }
  });

  it('names each code in PascalCase after its wire form', () => {
    for (const [name, code] of Object.entries(ErrorCode)) {
      expect(name).toBe(code.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()));
    }
  });

  it('keeps a code it does not know from the wire, with a generic title', () => {
    const e = fromWireError({ code: 'FROM_A_NEWER_CORE', message: 'Something new: do the new thing.' });
    expect(e).toBeInstanceOf(AppError);
    expect(e.code).toBe('FROM_A_NEWER_CORE');
    expect(isErrorCode(e.code)).toBe(false);
    expect(errorTitle(e.code)).toBe('Something went wrong.');
    expect(isErrorCode('toString')).toBe(false);
  });

  it('round-trips an AppError and hides a bug behind INTERNAL', () => {
    const wire = toWireError(new AppError(ErrorCode.EnvNotFound, 'No env "x": create it first.', { name: 'x' }));
    expect(wire).toEqual({ code: 'ENV_NOT_FOUND', message: 'No env "x": create it first.', detail: { name: 'x' } });
    expect(isAppError(fromWireError(wire), 'ENV_NOT_FOUND')).toBe(true);
    expect(toWireError(new TypeError('x is undefined')).code).toBe(ErrorCode.Internal);
  });
});
