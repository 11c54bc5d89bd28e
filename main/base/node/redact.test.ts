import { describe, expect, it } from 'vitest';
import { Redactor, secretForms } from './redact';

describe('secret redaction', () => {
  const secret = 's3cr3t-value-xyz';
  it('blanks a secret as is and in the encodings programs print it in', () => {
    const r = new Redactor([secret]);
    const b64 = Buffer.from(secret).toString('base64');
    const lines = [
      `plain ${secret}`,
      `base64 ${b64}`,
      `echo|base64 ${Buffer.from(secret + '\n').toString('base64')}`,
      `url-safe ${Buffer.from(secret).toString('base64url')}`,
      `hex ${Buffer.from(secret).toString('hex')} HEX ${Buffer.from(secret).toString('hex').toUpperCase()}`,
      `url ${encodeURIComponent('p@ss word/1')}`,
    ];
    r.add('p@ss word/1');
    for (const l of lines) expect(r.redact(l), l).not.toMatch(/s3cr3t|czNjcjN0|73336372|p%40ss/i);
    expect(r.redact(`x ${secret} y`)).toBe('x *** y');
  });

  it('leaves short values and unrelated text alone, and reports the longest form for cuts', () => {
    expect(secretForms('abc')).toEqual([]);
    const r = new Redactor(['abc', secret]);
    expect(r.redact('abc is fine')).toBe('abc is fine');
    expect(r.longest).toBe(Math.max(...secretForms(secret).map((f) => f.length)));
    expect(new Redactor().active).toBe(false);
  });
});
