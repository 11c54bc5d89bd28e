import { defineChannel } from './rpc';

/** Health of one core service. */
export interface ServiceState {
  /** Channel name, e.g. "terminal". */
  name: string;
  /** Whether the service can be used now. */
  state: 'ready' | 'unavailable';
  /** Why it is unavailable and how to fix it. */
  detail?: string;
}

/** What `lathe status` and the status bar show. */
export interface CoreStatus {
  /** The core's version (package.json). */
  version: string;
  /** When this core process started (ISO 8601). */
  startedAt: string;
  /** How many times a core has started on this data dir. */
  launches: number;
  /** Every service the core serves. */
  services: ServiceState[];
  /** The Python notebooks and script jobs run with (the one that runs Jupyter), once it is known. */
  python?: { path: string; version?: string };
}

/** Core-wide information. */
export interface IStatusService {
  /** Returns the core's version and the state of its services. */
  get(): Promise<CoreStatus>;
}

/** The status channel's allowlist. */
export const StatusChannel = defineChannel<IStatusService>({
  name: 'status',
  methods: { get: [] },
  events: {},
});
