// A small stand-in for the `electron` module so the shell's code runs under Node in vitest (Electron's binary
// cannot be downloaded here). It records what the shell asks of Electron; tests assert on those records.
// It is a stub by necessity, not a claim that Electron behaves this way: e2e/electron.spec.ts runs the real app where a binary exists.
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

// A stub receives whatever Electron's real signatures pass; `any` keeps it assignable to them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => any;

export const __stub = {
  windows: [] as BrowserWindow[],
  ipcHandlers: new Map<string, Handler>(),
  exposed: new Map<string, unknown>(),
  invoked: [] as { channel: string; args: unknown[] }[],
  opened: [] as string[],
  menu: undefined as unknown,
  headerHooks: [] as { filter: { urls: string[] }; fn: Handler }[],
  responseHooks: [] as { filter: { urls: string[] }; fn: Handler }[],
  /** What the next message boxes answer (button index, checkbox), first first; an empty list answers Cancel. */
  messageBoxAnswers: [] as { response: number; checkboxChecked: boolean }[],
  messageBoxes: [] as { message: string }[],
  permissionRequest: undefined as Handler | undefined,
  permissionCheck: undefined as Handler | undefined,
  exitCode: undefined as number | undefined,
  errors: [] as string[],
  reset() {
    this.windows = [];
    this.ipcHandlers.clear();
    this.exposed.clear();
    this.invoked = [];
    this.opened = [];
    this.headerHooks = [];
    this.responseHooks = [];
    this.messageBoxAnswers = [];
    this.messageBoxes = [];
    this.errors = [];
    this.exitCode = undefined;
  },
};

class App extends EventEmitter {
  name = 'Lathe';
  isPackaged = false;
  whenReady() {
    return Promise.resolve();
  }
  getAppPath() {
    return fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
  }
  requestSingleInstanceLock() {
    return true;
  }
  getPath(name: string) {
    return `${process.env.LATHE_HOME ?? '/tmp'}/electron-${name}`;
  }
  quit() {
    this.emit('will-quit', { preventDefault() {} });
  }
  exit(code = 0) {
    __stub.exitCode = code;
  }
}
export const app = new App();

export class WebContents extends EventEmitter {
  url = '';
  windowOpenHandler: Handler | undefined;
  mainFrame = { url: '' };
  setWindowOpenHandler(h: Handler) {
    this.windowOpenHandler = h;
  }
  getURL() {
    return this.url;
  }
}

export class BrowserWindow extends EventEmitter {
  readonly webContents = new WebContents();
  loadedUrl: string | undefined;
  constructor(readonly options: Record<string, unknown>) {
    super();
    __stub.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string) {
    this.loadedUrl = url;
    this.webContents.url = url;
  }
  maximize() {}
  isMaximized() {
    return false;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  show() {}
  getNormalBounds() {
    return { x: 0, y: 0, width: 1280, height: 800 };
  }
}

export const ipcMain = {
  handle(channel: string, fn: Handler) {
    if (__stub.ipcHandlers.has(channel)) throw new Error(`second handler for ${channel}`);
    __stub.ipcHandlers.set(channel, fn);
  },
  removeHandler(channel: string) {
    __stub.ipcHandlers.delete(channel);
  },
};

export const ipcRenderer = {
  invoke(channel: string, ...args: unknown[]) {
    __stub.invoked.push({ channel, args });
    return Promise.resolve(undefined);
  },
};

export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown) {
    __stub.exposed.set(key, api);
  },
};

export const session = {
  defaultSession: {
    webRequest: {
      onBeforeSendHeaders(filter: { urls: string[] }, fn: Handler) {
        __stub.headerHooks.push({ filter, fn });
      },
      onHeadersReceived(filter: { urls: string[] }, fn: Handler) {
        __stub.responseHooks.push({ filter, fn });
      },
    },
    setPermissionRequestHandler(fn: Handler) {
      __stub.permissionRequest = fn;
    },
    setPermissionCheckHandler(fn: Handler) {
      __stub.permissionCheck = fn;
    },
  },
};

export const shell = {
  async openExternal(url: string) {
    __stub.opened.push(url);
  },
};

export const dialog = {
  async showOpenDialog() {
    return { canceled: false, filePaths: ['/picked/folder'] };
  },
  async showMessageBox(...args: unknown[]) {
    __stub.messageBoxes.push(args.at(-1) as { message: string });
    return __stub.messageBoxAnswers.shift() ?? { response: 1, checkboxChecked: false };
  },
  showErrorBox(title: string, text: string) {
    __stub.errors.push(`${title}: ${text}`);
  },
};

/** No keychain in the stub: the shell leaves the secret store key to the core, as on a Linux desktop without one. */
export const safeStorage = {
  isEncryptionAvailable() {
    return false;
  },
  encryptString(s: string): Buffer {
    throw new Error(`safeStorage is unavailable (asked to seal ${s.length} chars)`);
  },
  decryptString(): string {
    throw new Error('safeStorage is unavailable');
  },
};

export const screen = {
  getAllDisplays() {
    return [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }];
  },
};

export const Menu = {
  buildFromTemplate(t: unknown) {
    return t;
  },
  setApplicationMenu(m: unknown) {
    __stub.menu = m;
  },
};

export default { app, BrowserWindow, ipcMain, ipcRenderer, contextBridge, session, shell, dialog, safeStorage, screen, Menu };
