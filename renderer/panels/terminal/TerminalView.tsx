import { FitAddon } from '@xterm/addon-fit';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { TerminalFlow, type ITerminalService } from '../../../main/common/terminal';
import { registerTerminal } from './terminalRegistry';

const THEMES = {
  dark: { background: '#1e1f22', foreground: '#d4d4d4', cursor: '#d4d4d4', selectionBackground: '#264f78' },
  light: { background: '#ffffff', foreground: '#1e1e1e', cursor: '#1e1e1e', selectionBackground: '#add6ff' },
};

/** One xterm bound to one core terminal: replays scrollback on mount, streams output, acks for flow control. */
export function TerminalView(props: { id: string; title: string; service: ITerminalService; visible: boolean; theme: 'dark' | 'light'; fontSize: number; scrollback: number }) {
  const { id, service, visible } = props;
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | undefined>(undefined);
  const fit = useRef<FitAddon | undefined>(undefined);
  // The options a new terminal starts with; later changes are applied to the live one below, not by recreating it.
  const options = useRef({ fontSize: props.fontSize, scrollback: props.scrollback, theme: props.theme });
  options.current = { fontSize: props.fontSize, scrollback: props.scrollback, theme: props.theme };

  useEffect(() => {
    const { fontSize, scrollback, theme } = options.current;
    const t = new Terminal({ fontSize, scrollback, theme: THEMES[theme], allowProposedApi: false, fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace' });
    const f = new FitAddon();
    t.loadAddon(f);
    t.open(host.current!);
    loadWebgl(t);
    const unregister = registerTerminal(id, t);
    term.current = t;
    fit.current = f;
    // Ctrl+Shift+C / Ctrl+Shift+V copy and paste, as in desktop terminals (plain Ctrl+C goes to the shell).
    t.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC') {
        e.preventDefault();
        void navigator.clipboard?.writeText(t.getSelection());
        return false;
      }
      if (e.code === 'KeyV') {
        // Without preventDefault Chromium also runs its own "paste as plain text": the text would arrive twice.
        e.preventDefault();
        void navigator.clipboard?.readText().then((text) => t.paste(text));
        return false;
      }
      return true;
    });
    const input = t.onData((d) => void service.write(id, d).catch(() => undefined));
    let unacked = 0;
    let exited = false;
    const sub = service.onDidOutput({ id })((out) => {
      if ('exit' in out) {
        if (!exited) t.write(`\r\n\x1b[2m[process exited with code ${out.exit.code}]\x1b[0m\r\n`);
        exited = true;
        return;
      }
      if (out.replay) {
        // A (re)subscription replays the scrollback: start from a clean screen so nothing shows twice.
        t.reset();
        unacked = 0;
      }
      t.write(out.data, () => {
        unacked += out.data.length;
        if (unacked >= TerminalFlow.AckChunkChars) {
          void service.ack(id, unacked).catch(() => undefined);
          unacked = 0;
        }
      });
    });
    const ro = new ResizeObserver(() => {
      if (!host.current?.offsetParent) return; // Hidden tab: keep the last size.
      f.fit();
    });
    ro.observe(host.current!);
    const resize = t.onResize(({ cols, rows }) => void service.resize(id, cols, rows).catch(() => undefined));
    return () => {
      ro.disconnect();
      resize.dispose();
      input.dispose();
      sub.dispose();
      unregister();
      t.dispose();
    };
    // Options changes are applied below without recreating the terminal.
  }, [id, service]);

  useEffect(() => {
    const t = term.current;
    if (!t) return;
    t.options.theme = THEMES[props.theme];
    t.options.fontSize = props.fontSize;
    t.options.scrollback = props.scrollback;
    if (visible) fit.current?.fit();
  }, [props.theme, props.fontSize, props.scrollback, visible]);

  useEffect(() => {
    if (visible) {
      fit.current?.fit();
      term.current?.focus();
    }
  }, [visible]);

  return <div className="terminal-host" ref={host} role="region" aria-label={`Terminal ${props.title} (${id})`} data-terminal-id={id} hidden={!visible} />;
}

/**
 * Draws with WebGL on a hardware GPU (VS Code's "auto"): it takes rendering off the main thread's style and
 * layout, which the DOM renderer spends much of a flood on. A software GL (SwiftShader, llvmpipe) is several
 * times slower than the DOM renderer (measured: 20 MB flood 4.9 s vs 1.4 s), so there the DOM renderer stays,
 * as it does when WebGL is missing or its context is lost.
 */
function loadWebgl(t: Terminal): void {
  if (!hardwareWebgl()) return;
  try {
    const webgl = new WebglAddon();
    webgl.onContextLoss(() => webgl.dispose());
    t.loadAddon(webgl);
  } catch {
    // No WebGL here: the DOM renderer stays.
  }
}

let hardwareGl: boolean | undefined;
function hardwareWebgl(): boolean {
  if (hardwareGl !== undefined) return hardwareGl;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    hardwareGl = !!gl && !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  } catch {
    hardwareGl = false;
  }
  return hardwareGl;
}
