import type * as Monaco from 'monaco-editor/editor/editor.api';

/** The Monaco API (loaded on demand). */
export type MonacoApi = typeof Monaco;

let loading: Promise<MonacoApi> | undefined;

/**
 * Loads Monaco the first time a cell or file is edited, so opening Lathe does not pay for it: the editor core,
 * Python highlighting, bracket matching and find. Its web worker comes from our own origin (CSP worker-src).
 */
export function loadMonaco(): Promise<MonacoApi> {
  loading ??= (async () => {
    const [{ default: EditorWorker }, monaco] = await Promise.all([import('monaco-editor/editor/editor.worker?worker'), import('monaco-editor/editor/editor.api')]);
    (self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = { getWorker: () => new EditorWorker() };
    await Promise.all([
      import('monaco-editor/languages/definitions/python/register'),
      import('monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching'),
      import('monaco-editor/features/find/register'),
    ]);
    return monaco;
  })();
  return loading;
}

/** Highlighting for the languages a data project holds, each loaded the first time a file of it opens. */
const LANGUAGES: Record<string, () => Promise<unknown>> = {
  python: () => import('monaco-editor/languages/definitions/python/register'),
  yaml: () => import('monaco-editor/languages/definitions/yaml/register'),
  markdown: () => import('monaco-editor/languages/definitions/markdown/register'),
  shell: () => import('monaco-editor/languages/definitions/shell/register'),
  sql: () => import('monaco-editor/languages/definitions/sql/register'),
  ini: () => import('monaco-editor/languages/definitions/ini/register'),
  dockerfile: () => import('monaco-editor/languages/definitions/dockerfile/register'),
  // JSON has no plain tokenizer of its own in Monaco (only the worker-based language service); JavaScript's fits it.
  javascript: () => import('monaco-editor/languages/definitions/javascript/register'),
  typescript: () => import('monaco-editor/languages/definitions/typescript/register'),
  html: () => import('monaco-editor/languages/definitions/html/register'),
  css: () => import('monaco-editor/languages/definitions/css/register'),
  r: () => import('monaco-editor/languages/definitions/r/register'),
  julia: () => import('monaco-editor/languages/definitions/julia/register'),
  xml: () => import('monaco-editor/languages/definitions/xml/register'),
};

const BY_EXTENSION: Record<string, string> = {
  py: 'python', pyi: 'python', pyw: 'python',
  yml: 'yaml', yaml: 'yaml',
  md: 'markdown', markdown: 'markdown',
  sh: 'shell', bash: 'shell', zsh: 'shell',
  sql: 'sql',
  ini: 'ini', cfg: 'ini', toml: 'ini', conf: 'ini', env: 'ini',
  json: 'javascript', jsonl: 'javascript', js: 'javascript', mjs: 'javascript', cjs: 'javascript',
  ts: 'typescript', tsx: 'typescript',
  html: 'html', htm: 'html', css: 'css',
  r: 'r', jl: 'julia', xml: 'xml', svg: 'xml',
};

/** The Monaco language for a file name ('plaintext' where none fits). */
export function languageFor(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (name === 'dockerfile' || name.startsWith('dockerfile.') || name.endsWith('.dockerfile')) return 'dockerfile';
  if (name === 'makefile') return 'shell';
  const dot = name.lastIndexOf('.');
  return (dot > 0 || name.startsWith('.') ? BY_EXTENSION[name.slice(dot + 1)] : undefined) ?? 'plaintext';
}

/** Loads Monaco and the highlighting of one language. */
export async function loadMonacoFor(language: string): Promise<MonacoApi> {
  const monaco = await loadMonaco();
  await LANGUAGES[language]?.();
  return monaco;
}
