import type { KernelSpecAPI, KernelMessage } from '@jupyterlab/services';
import type { KernelEvent, KernelSpecInfo, NotebookOutput } from '../main/common/kernels';

// The Jupyter messages and code the kernel service speaks, apart from its bookkeeping.

/** A server's kernelspecs as the contract describes them. */
export function toSpecs(specs: Awaited<ReturnType<typeof KernelSpecAPI.getSpecs>>, server: string, serverName: string): KernelSpecInfo[] {
  return Object.values(specs.kernelspecs)
    .filter((s): s is NonNullable<typeof s> => !!s)
    .map((s) => ({ name: s.name, displayName: s.display_name, language: s.language, server, serverName }));
}

/** Defines a helper in the kernel (underscore-named, so it hides itself) that lists user globals as JSON. */
export const VARIABLES_CODE = `
def _lathe_variables():
    import types
    ip = get_ipython()
    hidden = set(ip.user_ns_hidden) if hasattr(ip, 'user_ns_hidden') else set()
    out = []
    for name, value in list(ip.user_ns.items()):
        if name.startswith('_') or name in hidden or isinstance(value, (types.ModuleType, types.FunctionType, type)) or name in ('In', 'Out', 'exit', 'quit', 'get_ipython'):
            continue
        shape = getattr(value, 'shape', None)
        if shape is not None:
            shape = str(tuple(shape))
        elif hasattr(value, '__len__'):
            try:
                shape = str(len(value))
            except Exception:
                shape = None
        try:
            summary = repr(value)
        except Exception as e:
            summary = '<repr failed: %s>' % e
        out.append({'name': name, 'type': type(value).__name__, 'shape': shape, 'summary': summary[:200]})
    class _LatheJson:
        def __init__(self, data):
            self.data = data
        def _repr_json_(self):
            return self.data
    return _LatheJson(sorted(out, key=lambda v: v['name']))
`;

/** Maps a Jupyter IOPub message to a Lathe kernel event (nbformat outputs), or undefined for ones the UI does not need. */
export function toEvent(execId: string, msg: KernelMessage.IIOPubMessage): KernelEvent | undefined {
  const c = msg.content as Record<string, unknown>;
  switch (msg.header.msg_type) {
    case 'stream':
      return { type: 'output', execId, output: { output_type: 'stream', name: c.name as 'stdout' | 'stderr', text: c.text as string } };
    case 'display_data':
      return { type: 'output', execId, output: { output_type: 'display_data', data: c.data as Record<string, unknown>, metadata: (c.metadata ?? {}) as Record<string, unknown>, ...(c.transient ? { transient: c.transient as { display_id?: string } } : {}) } };
    case 'execute_result':
      return { type: 'output', execId, output: { output_type: 'execute_result', execution_count: c.execution_count as number, data: c.data as Record<string, unknown>, metadata: (c.metadata ?? {}) as Record<string, unknown> } };
    case 'error':
      return { type: 'output', execId, output: { output_type: 'error', ename: c.ename as string, evalue: c.evalue as string, traceback: c.traceback as string[] } };
    case 'update_display_data': {
      const displayId = (c.transient as { display_id?: string } | undefined)?.display_id;
      if (!displayId) return undefined;
      const output: NotebookOutput = { output_type: 'display_data', data: c.data as Record<string, unknown>, metadata: (c.metadata ?? {}) as Record<string, unknown>, transient: { display_id: displayId } };
      return { type: 'updateDisplay', execId, displayId, output };
    }
    case 'clear_output':
      return { type: 'clearOutput', execId, wait: !!c.wait };
    case 'execute_input':
      return { type: 'executeInput', execId, executionCount: c.execution_count as number };
    default:
      return undefined;
  }
}
