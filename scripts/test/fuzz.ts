// Seeded generators for the fuzz suite (main/server/fuzz.test.ts). A fixed seed keeps npm test repeatable;
// LATHE_FUZZ_SEED picks another, LATHE_FUZZ_ROUNDS (or LATHE_FUZZ=long, x50) runs longer.

/** mulberry32: a small, fast, seedable PRNG (32-bit state). */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof rng>;

export const FUZZ_SEED = Number(process.env.LATHE_FUZZ_SEED ?? 20261207);
/** Rounds per target: small in npm test, many behind the flag. */
export const fuzzRounds = (base: number) => Number(process.env.LATHE_FUZZ_ROUNDS ?? (process.env.LATHE_FUZZ === 'long' ? base * 50 : base));

const NASTY_STRINGS = ['', ' ', '..', '../', '/', '\\', '\0', '%00', '%2e%2e%2f', '~', '$(id)', '`id`', ';rm -rf /', '\n', '\r\n', '\u2028', '😀', 'é', '\uFFFF', '\uD800', '__proto__', 'constructor', 'prototype', 'a'.repeat(300), '-rf', '--help', 'CON', 'nul', '.git', '.ipynb_checkpoints'];

/** Any JSON-ish value, hostile leaning: odd numbers, nasty strings, prototype keys, deep or wide shapes. */
export function anyValue(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 3 ? 6 : 9);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1, 2 ** 53, -(2 ** 31), 1.5, Number.MAX_VALUE, 1e-300, 65536, 4294967296]);
    case 3:
    case 4:
      return r.chance(0.5) ? r.pick(NASTY_STRINGS) : randomString(r, r.int(40));
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: r.int(5) }, () => anyValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) o[r.chance(0.3) ? r.pick(NASTY_STRINGS) : randomString(r, 1 + r.int(8))] = anyValue(r, depth + 1);
      if (r.chance(0.1)) Object.defineProperty(o, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
      return o;
    }
  }
}

export function randomString(r: Rng, n: number): string {
  const alphabet = 'abcXYZ019._-/ \\%$"\'{}[]:,\n\t\u00e9\u4e2d';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}

/** A copy of `v` with one value somewhere inside replaced, removed, or given a hostile sibling. */
export function mutate(r: Rng, v: unknown): unknown {
  const copy = structuredClone(v) as unknown;
  const holders: { o: Record<string, unknown> | unknown[]; k: string | number }[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) {
      x.forEach((c, i) => {
        holders.push({ o: x, k: i });
        walk(c);
      });
    } else if (x && typeof x === 'object') {
      for (const [k, c] of Object.entries(x)) {
        holders.push({ o: x as Record<string, unknown>, k });
        walk(c);
      }
    }
  };
  walk(copy);
  if (!holders.length) return anyValue(r);
  for (let n = 1 + r.int(3); n > 0; n--) {
    const h = r.pick(holders);
    const op = r.int(3);
    if (op === 0) (h.o as Record<string | number, unknown>)[h.k] = anyValue(r);
    else if (op === 1 && !Array.isArray(h.o)) delete (h.o as Record<string, unknown>)[h.k as string];
    else if (!Array.isArray(h.o)) (h.o as Record<string, unknown>)[r.pick(NASTY_STRINGS)] = anyValue(r);
  }
  return copy;
}

/** Bytes with a few flipped, cut, duplicated or spliced in from elsewhere. */
export function mutateBytes(r: Rng, b: Buffer): Buffer {
  let out = Buffer.from(b);
  for (let n = 1 + r.int(4); n > 0; n--) {
    const at = r.int(Math.max(1, out.length));
    switch (r.int(4)) {
      case 0:
        if (out.length) out[at] = r.int(256);
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at - Math.min(at, 512), at), out.subarray(at)]);
        break;
      default:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(Array.from({ length: 1 + r.int(64) }, () => r.int(256))), out.subarray(at)]);
    }
  }
  return out;
}
