import { SecretChannel, type ISecretService } from '../../main/common/secrets';
import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Event } from '../../main/common/event';
import { createProxy } from '../../main/common/rpcClient';
import { SettingsChannel, type ISettingsService } from '../../main/common/settings';
import { StatusChannel, type IStatusService } from '../../main/common/status';
import { TerminalChannel, type ITerminalService } from '../../main/common/terminal';
import { KernelChannel, type IKernelService } from '../../main/common/kernels';
import { NotebookFileChannel, type INotebookFileService } from '../../main/common/notebooks';
import { EnvChannel, type IEnvService } from '../../main/common/envs';
import { JobChannel, type IJobService } from '../../main/common/jobs';
import { FileChannel, type IFileService } from '../../main/common/files';
import type { CoreConnection } from './connection';

/** Typed clients for every core service the renderer uses. */
export interface Services {
  connection: CoreConnection;
  status: IStatusService;
  settings: ISettingsService;
  terminal: ITerminalService;
  kernels: IKernelService;
  notebookFiles: INotebookFileService;
  files: IFileService;
  envs: IEnvService;
  jobs: IJobService;
  secrets: ISecretService;
}

/** Builds the service proxies over one connection. */
export function createServices(connection: CoreConnection): Services {
  return {
    connection,
    status: createProxy(connection.client, StatusChannel),
    settings: createProxy(connection.client, SettingsChannel),
    terminal: createProxy(connection.client, TerminalChannel),
    kernels: createProxy(connection.client, KernelChannel),
    notebookFiles: createProxy(connection.client, NotebookFileChannel),
    files: createProxy(connection.client, FileChannel),
    envs: createProxy(connection.client, EnvChannel),
    secrets: createProxy(connection.client, SecretChannel),
    jobs: createProxy(connection.client, JobChannel),
  };
}

const ServicesContext = createContext<Services | undefined>(undefined);
/** Provides the services to the tree. */
export const ServicesProvider = ServicesContext.Provider;

/** The core's services; throws outside a provider. */
export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside ServicesProvider');
  return s;
}

/**
 * Subscribes to an event for the component's lifetime. The listener of the latest render is the one called, so it
 * may read current props and state without resubscribing (a resubscription could miss an event in between).
 */
export function useEvent<T>(event: Event<T> | undefined, listener: (e: T) => void): void {
  const latest = useRef(listener);
  useLayoutEffect(() => {
    latest.current = listener;
  });
  useEffect(() => {
    if (!event) return;
    const d = event((e) => latest.current(e));
    return () => d.dispose();
  }, [event]);
}

/**
 * Reads a value that an event updates. `read` is called again when the subscription starts, so a change
 * that fired between the first render and the subscription is not missed.
 */
export function useEventValue<T>(event: Event<T>, read: () => T): T {
  const [v, setV] = useState(read);
  const latestRead = useRef(read);
  useLayoutEffect(() => {
    latestRead.current = read;
  });
  useEffect(() => {
    setV(latestRead.current());
    const d = event(setV);
    return () => d.dispose();
  }, [event]);
  return v;
}
