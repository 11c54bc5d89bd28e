import { z } from 'zod';
import type { Event } from './event';
import { defineChannel } from './rpc';

/** A secret's name: what a job sees as an environment variable. */
export const SecretNameSchema = z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'an upper-case name such as API_TOKEN (letters, digits, underscores)');

/** What the UI and CLI see of a secret: never its value. */
export interface SecretInfo {
  name: string;
  /** ISO 8601. */
  updatedAt: string;
  /** How many characters the value has (so a user can tell an empty paste from a real one). */
  length: number;
}

/** Where the store's key comes from, for the settings page. */
export type SecretKeySource = 'env' | 'key-file' | 'desktop-keychain';

/**
 * The user's secrets (API tokens, passwords) for jobs and deployments. Values are write-only over RPC:
 * they are encrypted at rest and only ever leave the core as environment variables of the processes that need them.
 */
export interface ISecretService {
  list(): Promise<SecretInfo[]>;
  /** Creates or replaces a secret. */
  set(name: string, value: string): Promise<SecretInfo>;
  delete(name: string): Promise<void>;
  /** Where the encryption key is kept. */
  keySource(): Promise<SecretKeySource>;
  /** Deletes every secret: the way out when the store's key is lost. Returns how many were deleted. */
  reset(): Promise<number>;
  readonly onDidChange: Event<SecretInfo[]>;
}

/** The secrets channel's allowlist. */
export const SecretChannel = defineChannel<ISecretService>({
  name: 'secrets',
  methods: { list: [], set: [SecretNameSchema, z.string().min(1, 'a value (an empty secret is almost always a paste gone wrong)').max(64 * 1024)], delete: [SecretNameSchema], keySource: [], reset: [] },
  events: { onDidChange: null },
});
