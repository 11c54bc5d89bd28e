import type * as Monaco from 'monaco-editor/editor/editor.api';

/** The Monaco API (loaded on demand). */
export type MonacoApi = typeof Monaco;

let loading: Promise<MonacoApi> | undefined;

/**
 * Loads Monaco the first time a cell is edited, so opening Lathe does not pay for it: the editor core,
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
