import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AppError, isAppError } from '../../../main/common/errors';
import type { IDisposable } from '../../../main/common/event';
import type { KernelEvent, KernelStatus, NotebookOutput } from '../../../main/common/kernels';
import type { Services } from '../../platform/services';
import { applyKernelEvent, fromJson, toJson, updateCell, type NotebookDoc } from './notebookModel';

/** A pending `input()` prompt. */
export interface InputPrompt {
  cellKey: string;
  prompt: string;
  password: boolean;
}

const AUTOSAVE_MS = 30_000;

/**
 * One open notebook: its document, its kernel, a run queue, saving (atomic, with a check for changes on
 * disk) and autosave. The kernel is started with the notebook's kernelspec on first run.
 */
export function useNotebookSession(services: Services, path: string) {
  const [doc, setDocState] = useState<NotebookDoc>();
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<string>();
  /** Something to know about the file as opened (it was upgraded from an older nbformat, say). */
  const [notice, setNotice] = useState<string>();
  const [conflict, setConflict] = useState(false);
  const [kernelStatus, setKernelStatus] = useState<KernelStatus | 'none'>('none');
  /** The server the notebook's kernel runs on ("local" or a remote server's id), once there is one. */
  const [kernelServer, setKernelServer] = useState<string>();
  const serverChoice = useRef<string | undefined>(undefined);
  const [input, setInput] = useState<InputPrompt>();
  /** Counts finished cell runs, so views like the variables table refresh after runs (and not on every idle). */
  const [runsDone, setRunsDone] = useState(0);
  const docRef = useRef<NotebookDoc | undefined>(undefined);
  const mtime = useRef<number | undefined>(undefined);
  const kernelId = useRef<string | undefined>(undefined);
  const execToCell = useRef(new Map<string, string>());
  const queue = useRef<string[]>([]);
  const running = useRef(false);
  const execSeq = useRef(0);
  /** True from the moment an execute request is sent until it answers. */
  const executing = useRef(false);
  /** Set by an interrupt that came while the kernel was starting: the pending run is dropped. */
  const interruptPending = useRef(false);
  const kernelStart = useRef<Promise<string> | undefined>(undefined);
  const kernelSub = useRef<IDisposable | undefined>(undefined);
  /** True while a reattached kernel's events are being replayed (until its status arrives). */
  const replaying = useRef(false);
  /** The outputs as opened, to tell whether a replay changed anything. */
  const loadedOutputs = useRef('');

  const setDoc = useCallback((f: (d: NotebookDoc) => NotebookDoc, markDirty = true) => {
    const next = f(docRef.current!);
    docRef.current = next;
    setDocState(next);
    if (markDirty) setDirty(true);
  }, []);

  const load = useCallback(async () => {
    try {
      const opened = await services.notebookFiles.open(path);
      docRef.current = fromJson(opened.content);
      loadedOutputs.current = outputsKey(docRef.current);
      mtime.current = opened.mtimeMs;
      setDocState(docRef.current);
      setDirty(false);
      setNotice(opened.upgradedFrom ? `${path} is in nbformat ${opened.upgradedFrom}; it was upgraded to nbformat 4 for editing, as Jupyter does. The file stays as it is until you save, which writes nbformat 4.` : undefined);
      setConflict(false);
      setError(undefined);
      // A kernel this notebook started before a page reload is still running in the core: reattach to it.
      if (!kernelId.current) {
        const existing = (await services.kernels.list()).find((k) => k.path === path && k.status !== 'dead');
        if (existing) {
          replaying.current = true;
          kernelId.current = existing.id;
          setKernelServer(existing.server);
          kernelSub.current = services.kernels.onDidKernelEvent({ kernelId: existing.id })(onKernelEventRef.current);
        }
      }
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    }
  }, [services, path]);

  // Load once connected: after a page reload the socket may still be opening; a reconnect retries a failed load.
  useEffect(() => {
    const tryLoad = () => {
      if (services.connection.state === 'connected' && !docRef.current) void load();
    };
    tryLoad();
    const d = services.connection.onDidChangeState(tryLoad);
    return () => d.dispose();
  }, [services, load]);

  const save = useCallback(
    async (force = false): Promise<boolean> => {
      if (!docRef.current) return false;
      const saving = docRef.current;
      try {
        const r = await services.notebookFiles.save(path, toJson(saving), { expectedMtimeMs: mtime.current, force });
        mtime.current = r.mtimeMs;
        // An edit made while the save was on its way stays unsaved.
        setDirty(docRef.current !== saving);
        setConflict(false);
        setError(undefined);
        return true;
      } catch (err) {
        if (isAppError(err, 'FILE_CHANGED_ON_DISK')) setConflict(true);
        setError(isAppError(err) ? err.message : String(err));
        return false;
      }
    },
    [services, path],
  );

  useEffect(() => {
    if (!dirty || conflict) return;
    const t = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [dirty, conflict, save, doc]);

  const onKernelEventRef = useRef<(e: KernelEvent) => void>(() => undefined);
  const onKernelEvent = useCallback(
    (e: KernelEvent) => {
      if (e.type === 'status') {
        // The core replays a reattached kernel's recent events, then sends its status. What the replay rebuilt is
        // usually what was saved: only a difference (output that came while the page was away) makes the notebook dirty.
        if (replaying.current) {
          replaying.current = false;
          if (docRef.current && outputsKey(docRef.current) !== loadedOutputs.current) setDirty(true);
        }
        return setKernelStatus(e.status);
      }
      // Exec ids are "<cell key>:<n>"; after a reload the map is empty, so replayed events route by that key.
      const key = execToCell.current.get(e.execId) ?? e.execId.slice(0, e.execId.lastIndexOf(':'));
      if (!key || !docRef.current) return;
      if (e.type === 'inputRequest') return setInput({ cellKey: key, prompt: e.prompt, password: e.password });
      setDoc((d) => updateCell(d, key, (c) => applyKernelEvent(c, e)), !replaying.current);
    },
    [setDoc],
  );
  onKernelEventRef.current = onKernelEvent;

  // Closing or reloading the page with unsaved edits asks first (the kernel itself survives in the core).
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const startKernel = useCallback(async () => {
    const metadata = docRef.current?.rest.metadata as { kernelspec?: { name?: string } } | undefined;
    const spec = metadata?.kernelspec?.name || 'python3';
    setKernelStatus('starting');
    const k = await services.kernels.start({ spec, path, ...(serverChoice.current ? { server: serverChoice.current } : {}) });
    kernelId.current = k.id;
    setKernelServer(k.server);
    kernelSub.current = services.kernels.onDidKernelEvent({ kernelId: k.id })(onKernelEvent);
    return k.id;
  }, [services, path, onKernelEvent]);

  const ensureKernel = useCallback(async () => {
    if (kernelId.current) return kernelId.current;
    kernelStart.current ??= startKernel().finally(() => (kernelStart.current = undefined));
    return kernelStart.current;
  }, [startKernel]);

  const pump = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    try {
      while (queue.current.length) {
        const key = queue.current.shift()!;
        const cell = docRef.current?.cells.find((c) => c.key === key);
        if (!cell || cell.type !== 'code') continue;
        setDoc((d) => updateCell(d, key, (c) => ({ ...c, state: 'running', outputs: [], outputsChanged: true })));
        const execId = `${key}:${++execSeq.current}`;
        execToCell.current.set(execId, key);
        let ok = true;
        try {
          const id = await ensureKernel();
          if (interruptPending.current) {
            interruptPending.current = false;
            ok = false; // Interrupted before it could start: like a KeyboardInterrupt, stop here.
          } else {
            executing.current = true;
            const r = await services.kernels.execute(id, { execId, code: cell.source, allowStdin: true });
            ok = r.status === 'ok';
          }
        } catch (err) {
          ok = false;
          setError(isAppError(err) ? err.message : String(err));
        } finally {
          executing.current = false;
          setRunsDone((n) => n + 1);
          setInput(undefined);
          setDoc((d) => updateCell(d, key, (c) => ({ ...c, state: undefined })));
        }
        if (!ok) {
          // As in Jupyter: an error stops the cells queued after it.
          for (const k of queue.current) setDoc((d) => updateCell(d, k, (c) => ({ ...c, state: undefined })), false);
          queue.current = [];
        }
      }
    } finally {
      running.current = false;
    }
  }, [services, ensureKernel, setDoc]);

  const run = useCallback(
    (keys: string[]) => {
      const code = keys.filter((k) => docRef.current?.cells.find((c) => c.key === k)?.type === 'code');
      queue.current.push(...code);
      for (const k of code) setDoc((d) => updateCell(d, k, (c) => ({ ...c, state: 'queued' })), false);
      void pump();
    },
    [pump, setDoc],
  );

  const interrupt = useCallback(async () => {
    if (running.current && !executing.current) {
      // The kernel is still starting: drop the run instead of interrupting an idle kernel.
      interruptPending.current = true;
      return;
    }
    if (kernelId.current) await services.kernels.interrupt(kernelId.current).catch((e: AppError) => setError(e.message));
  }, [services]);

  const restart = useCallback(async () => {
    queue.current = [];
    if (kernelId.current) await services.kernels.restart(kernelId.current).catch((e: AppError) => setError(e.message));
  }, [services]);

  const restartAndRunAll = useCallback(async () => {
    await restart();
    run(docRef.current?.cells.map((c) => c.key) ?? []);
  }, [restart, run]);

  const clearOutputs = useCallback(() => {
    setDoc((d) => ({ ...d, cells: d.cells.map((c) => (c.type === 'code' && (c.outputs.length || c.executionCount !== null) ? { ...c, outputs: [], executionCount: null, outputsChanged: true } : c)) }));
  }, [setDoc]);

  /** Switches the notebook to another kernelspec: records it in the metadata and replaces the running kernel. */
  const changeKernel = useCallback(
    async (spec: { name: string; displayName: string; language: string; server?: string }) => {
      serverChoice.current = spec.server;
      setDoc((d) => ({ ...d, rest: { ...d.rest, metadata: { ...(d.rest.metadata as object), kernelspec: { name: spec.name, display_name: spec.displayName, language: spec.language } } } }));
      queue.current = [];
      kernelSub.current?.dispose();
      kernelSub.current = undefined;
      const old = kernelId.current;
      kernelId.current = undefined;
      setKernelStatus('none');
      setKernelServer(undefined);
      if (old) await services.kernels.shutdown(old).catch(() => undefined);
      await ensureKernel().catch((e: AppError) => setError(e.message));
    },
    [services, setDoc, ensureKernel],
  );

  /**
   * Originals of outputs the core kept back when the notebook opened, fetched on request. They are kept here, not in
   * the doc (a save sends stand-ins, the core puts originals back), and survive a cell's output area re-mounting.
   */
  const elidedShown = useRef(new Map<string, NotebookOutput>());
  const loadElided = useCallback(
    async (id: string) => {
      const o = (await services.notebookFiles.output(path, id)) as unknown as NotebookOutput;
      elidedShown.current.set(id, o);
      return o;
    },
    [services, path],
  );
  const elided = useMemo(() => ({ load: loadElided, shown: elidedShown.current }), [loadElided]);

  const variables = useCallback(async () => (kernelId.current ? services.kernels.variables(kernelId.current) : []), [services]);

  const answerInput = useCallback(
    async (value: string) => {
      setInput(undefined);
      if (kernelId.current) await services.kernels.inputReply(kernelId.current, value).catch((e: AppError) => setError(e.message));
    },
    [services],
  );

  // Closing the notebook (not reloading the page) ends its kernel and its event subscription.
  useEffect(
    () => () => {
      kernelSub.current?.dispose();
      if (kernelId.current) void services.kernels.shutdown(kernelId.current).catch(() => undefined);
    },
    [services],
  );

  return { doc, setDoc, dirty, error, notice, conflict, kernelStatus, kernelServer, input, save, reload: load, run, interrupt, restart, restartAndRunAll, clearOutputs, answerInput, variables, changeKernel, runsDone, elided };
}

/** What useNotebookSession returns. */
export type NotebookSession = ReturnType<typeof useNotebookSession>;

/** Outputs and execution counts of a document, to compare two states of it (keys sorted: a file and a kernel order them differently). */
function outputsKey(doc: NotebookDoc): string {
  return JSON.stringify(
    doc.cells.map((c) => (c.type === 'code' ? [c.outputs, c.executionCount] : 0)),
    // `transient` (display ids) is never saved, so a replayed output carries it and the file does not.
    (k, v: unknown) => (k === 'transient' ? undefined : v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v),
  );
}
