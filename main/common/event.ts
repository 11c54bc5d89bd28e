/** Something that holds a resource and must be released by its owner. */
export interface IDisposable {
  dispose(): void;
}

/** A subscription function: call it with a listener, get back a handle that unsubscribes. */
export type Event<T> = (listener: (e: T) => void) => IDisposable;

/** Turns a function into an IDisposable that runs it at most once. */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}

/** Collects disposables so an owner can release them together, newest first. */
export class DisposableStore implements IDisposable {
  private items: IDisposable[] = [];
  private disposed = false;

  /** Adds a disposable; disposes it at once if the store is already disposed. */
  add<T extends IDisposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }

  /** Releases everything added so far. */
  dispose(): void {
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const d of items) d.dispose();
  }
}

/** A typed event source; `event` is what a service exposes, `fire` stays private to it. */
export class Emitter<T> implements IDisposable {
  private listeners = new Set<(e: T) => void>();
  private disposed = false;

  /** Hooks that let an owner start or stop an upstream source when the first/last listener comes or goes. */
  constructor(private readonly hooks: { onFirstListener?: () => void; onLastListener?: () => void } = {}) {}

  /** The public side: subscribe a listener. */
  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => undefined);
    const first = this.listeners.size === 0;
    // Wrap so the same function can subscribe twice and unsubscribe independently.
    const wrapped = (e: T) => listener(e);
    this.listeners.add(wrapped);
    if (first) this.hooks.onFirstListener?.();
    return toDisposable(() => {
      if (this.listeners.delete(wrapped) && this.listeners.size === 0) this.hooks.onLastListener?.();
    });
  };

  /** Delivers an event to every current listener; one listener's throw does not stop the others. */
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        // A listener bug must not break the producer; surface it asynchronously so it is not lost.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Whether anyone is listening. */
  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  /** Drops all listeners; later fires do nothing. */
  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}
