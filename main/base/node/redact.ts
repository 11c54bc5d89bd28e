/** Secrets shorter than this are not redacted: blanking every "abc" in a log would hide more than it protects. */
export const MIN_SECRET_LENGTH = 4;

/**
 * The forms a secret takes when a program prints it encoded: as is, base64 (standard and URL-safe, of the value
 * and of the value with a newline, as `echo $S | base64` prints it; padded and not),
 * hex, and percent-encoded. Longest first, so a longer form is blanked before a shorter one inside it.
 */
export function secretForms(value: string): string[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  const bytes = Buffer.from(value, 'utf8');
  const withNewline = Buffer.concat([bytes, Buffer.from('\n')]);
  const b64 = [bytes.toString('base64'), withNewline.toString('base64')].flatMap((f) => [f, f.replace(/=+$/, '')]);
  const forms = new Set([value, ...b64, bytes.toString('base64url'), bytes.toString('hex'), bytes.toString('hex').toUpperCase(), encodeURIComponent(value)]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** Blanks known secrets, in every form secretForms lists, out of text. */
export class Redactor {
  private forms: string[] = [];
  /** The longest form: text held back at a cut must be one shorter than this to keep a secret whole. */
  longest = 0;

  constructor(values: Iterable<string> = [], private readonly mask = '***') {
    for (const v of values) this.add(v);
  }

  add(value: string): void {
    const next = secretForms(value).filter((f) => !this.forms.includes(f));
    if (!next.length) return;
    this.forms = [...this.forms, ...next].sort((a, b) => b.length - a.length);
    this.longest = this.forms[0]!.length;
  }

  get active(): boolean {
    return this.forms.length > 0;
  }

  redact(text: string): string {
    let out = text;
    for (const f of this.forms) if (out.includes(f)) out = out.split(f).join(this.mask);
    return out;
  }
}
