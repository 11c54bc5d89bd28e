import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';

// Helpers for component tests (jsdom): mount a tree, act as a user does, wait for the core's answers.
// Only *.test.tsx files import this module.

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const mounted: Root[] = [];

/** Renders `node` into a fresh element of the page; `unmountAll` (in afterEach) takes it away again. */
export async function mount(node: ReactNode): Promise<HTMLElement> {
  const host = document.body.appendChild(document.createElement('div'));
  const root = createRoot(host);
  mounted.push(root);
  await act(async () => root.render(node));
  return host;
}

export function unmountAll(): void {
  for (const r of mounted.splice(0)) act(() => r.unmount());
  document.body.innerHTML = '';
}

/** Types into a React-controlled input the way a user does (the value setter React watches, then an input event). */
export function type(input: HTMLInputElement, text: string): void {
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Presses a key on an element (keydown, bubbling, as a keyboard does). */
export function press(el: Element, key: string): void {
  act(() => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  });
}

/** Clicks an element inside act, so React's updates are flushed. */
export function click(el: HTMLElement): void {
  act(() => el.click());
}

/** Lets promises and timers of the core's answers run, then flushes React. */
export const settle = (ms = 20): Promise<void> => act(() => new Promise<void>((r) => setTimeout(r, ms)));

export const inputByLabel = (host: HTMLElement, label: string): HTMLInputElement => {
  const el = host.querySelector<HTMLInputElement>(`input[aria-label="${label}"]`);
  if (!el) throw new Error(`no input labelled "${label}"`);
  return el;
};

export const buttonByText = (host: HTMLElement, text: string): HTMLButtonElement => {
  const el = [...host.querySelectorAll('button')].find((b) => b.textContent?.trim() === text);
  if (!el) throw new Error(`no button "${text}"`);
  return el;
};
