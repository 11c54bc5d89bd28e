// electron-store 12 needs Node 22 and Electron; under vitest (Node 20) the shell gets this in-memory stand-in.
export default class Store<T extends Record<string, unknown>> {
  private data: Partial<T> = {};
  constructor(readonly options: { name?: string } = {}) {}
  get<K extends keyof T>(key: K): T[K] | undefined {
    return this.data[key];
  }
  set<K extends keyof T>(key: K, value: T[K]): void {
    this.data[key] = value;
  }
}
