import { parseWebUrl } from './security';

/** What the link opener needs from Electron and the settings store, passed in so it can be tested with stubs. */
export interface ExternalLinkDeps {
  /** shell.openExternal. */
  open(url: string): Promise<void>;
  /** Asks the user; `trustHost` is whether they ticked "always open links to this host". */
  confirm(url: URL): Promise<{ open: boolean; trustHost: boolean }>;
  /** Hosts the user chose to trust, kept between launches. */
  trusted: { get(): string[]; set(hosts: string[]): void };
}

/** Hosts Lathe itself links to (the Help menu's documentation). */
export const BUILT_IN_TRUSTED_HOSTS: readonly string[] = ['github.com'];

/**
 * Opens web links in the user's browser, as VS Code does: only http(s), never with credentials in the URL, and for a
 * host that is neither Lathe's own nor trusted by the user, only after asking (a link can come from any notebook
 * output). Resolves with whether the link was opened.
 */
export class ExternalLinks {
  constructor(private readonly deps: ExternalLinkDeps) {}

  async open(raw: string): Promise<boolean> {
    const u = parseWebUrl(raw);
    if (!u || u.username || u.password) return false;
    const host = u.hostname.toLowerCase();
    const trusted = new Set([...BUILT_IN_TRUSTED_HOSTS, ...this.deps.trusted.get()]);
    if (!trusted.has(host)) {
      const answer = await this.deps.confirm(u);
      if (!answer.open) return false;
      if (answer.trustHost) this.deps.trusted.set([...new Set([...this.deps.trusted.get(), host])].sort());
    }
    await this.deps.open(u.toString());
    return true;
  }
}
