/**
 * conda's MatchSpec, as its documentation writes it:
 *
 *   (channel(/subdir):(namespace):)name(version(build))[key1=value1,key2=value2]
 *
 * e.g. `numpy`, `numpy 1.8*`, `numpy>=1.8,<2`, `numpy 1.8.1 py27_0`, `numpy=1.8.1=py27_0`, `conda-forge::numpy`,
 * `conda-forge/linux-64::numpy`, `numpy[version='>=1.8,<2', build=*_0]`. Lathe checks the shape so a typo gets a
 * clear message before conda runs, and passes each spec to conda as one argv element (never through a shell), so
 * quotes, `<`, `>` and `|` are plain characters. What it refuses is what conda would misread: an empty spec, one
 * that starts with `-` (conda would take it for an option), control characters, unknown bracket keys.
 */

/** The keys conda's MatchSpec takes in brackets. */
export const MATCHSPEC_KEYS = ['name', 'version', 'build', 'build_number', 'channel', 'subdir', 'namespace', 'md5', 'sha256', 'fn', 'url', 'license', 'license_family', 'track_features', 'features', 'target'] as const;

const NAME = /^(\*|[A-Za-z0-9_][A-Za-z0-9_.+-]*)$/;
// Version expressions: numbers, letters, wildcards, comparison operators, `,` (and), `|` (or), parentheses.
const VERSION = /^(==|!=|>=|<=|~=|=|>|<)?[A-Za-z0-9_.*+!,|<>=~()-]+$/;
const BUILD = /^[A-Za-z0-9_.*+!-]+$/;
const CHANNEL = /^[A-Za-z0-9_.*~:/@%+-]+$/;

/** Why `spec` is not a conda MatchSpec, or undefined when it is one. */
export function matchSpecProblem(spec: string): string | undefined {
  if (!spec.trim()) return 'it is empty';
  if (spec.length > 1000) return 'it is over 1000 characters';
  if (/[\u0000-\u001f\u007f]/.test(spec)) return 'it holds a control character (a newline or tab)';
  let s = spec.trim();
  if (s.startsWith('-')) return 'it starts with "-", which conda would read as an option';
  // [key=value, …] at the end.
  const open = s.indexOf('[');
  if (open >= 0) {
    if (!s.endsWith(']')) return 'its "[" is not closed by a "]" at the end';
    const problem = bracketProblem(s.slice(open + 1, -1));
    if (problem) return problem;
    s = s.slice(0, open);
  } else if (s.includes(']')) return 'it has a "]" without a "["';
  // channel(/subdir)(:namespace)::name…
  const cut = s.lastIndexOf('::');
  if (cut >= 0) {
    const channel = s.slice(0, cut);
    if (!channel || !CHANNEL.test(channel)) return `"${channel}" before "::" is not a channel (a name like conda-forge, conda-forge/linux-64 or a URL)`;
    s = s.slice(cut + 2);
  }
  // name, then the version and build either "=v=b" style or separated by spaces.
  const parts = s.trim().split(/\s+/);
  if (parts.length > 3) return 'it has more than three space-separated parts (name, version, build)';
  const head = parts[0]!;
  const m = /^(\*|[A-Za-z0-9_][A-Za-z0-9_.+-]*?)((==|!=|>=|<=|~=|=|>|<).*)?$/.exec(head);
  if (!m || !NAME.test(m[1]!)) return `"${head}" does not start with a package name (letters, digits, "_", ".", "-", "+")`;
  let version = parts[1];
  let build = parts[2];
  if (m[2]) {
    if (parts.length > 2 || /^[=<>!~]/.test(parts[1] ?? '')) return 'it gives the version twice (after the name and after a space)';
    if (version !== undefined) build = version;
    // name=1.2=build: a single "=" form splits into version and build at the second "=".
    const rest = m[2];
    const eq = /^=([^=<>!~].*?)=([^=]+)$/.exec(rest);
    if (eq) {
      version = eq[1];
      build = build ?? eq[2];
    } else version = rest;
  }
  if (version !== undefined && !VERSION.test(version)) return `"${version}" is not a version expression (e.g. 1.26, 1.26.*, >=1.26,<2)`;
  if (build !== undefined && !BUILD.test(build)) return `"${build}" is not a build string (e.g. py311_0 or *_cpython)`;
  return undefined;
}

function bracketProblem(inner: string): string | undefined {
  if (!inner.trim()) return 'its brackets are empty';
  // key=value pairs separated by commas; a quoted value may hold commas.
  const pairs = inner.match(/\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('[^']*'|"[^"]*"|[^,'"]*)\s*(,|$)/g);
  if (!pairs || pairs.join('').length !== inner.length) return `"[${inner}]" is not a list of key=value pairs (e.g. [version='>=1.26', build=*_0])`;
  for (const p of pairs) {
    const key = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(p)![1]!;
    if (!(MATCHSPEC_KEYS as readonly string[]).includes(key)) return `"${key}" is not a MatchSpec key (${MATCHSPEC_KEYS.join(', ')})`;
  }
  return undefined;
}
