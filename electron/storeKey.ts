import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The part of Electron's safeStorage the shell uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/**
 * The secret store's key for the core, kept in the OS keychain through safeStorage (macOS Keychain, Windows DPAPI,
 * libsecret/kwallet on Linux) as `keyFile`, sealed. Returns the environment to hand the core, or nothing when:
 * - safeStorage cannot protect it (no keychain, or Linux's "basic_text" fallback, which would be plaintext in all
 *   but name): the core then keeps its own owner-only key file;
 * - the data dir already has a core key file (`store.key`): its secrets are sealed with that key, so it stays.
 */
export function desktopStoreKey(safeStorage: SafeStorageLike, keyFile: string, dataDir: string): Record<string, string> | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (safeStorage.getSelectedStorageBackend?.() === 'basic_text') return undefined;
  if (existsSync(join(dataDir, 'store.key'))) return undefined;
  let key: string;
  if (existsSync(keyFile)) {
    key = safeStorage.decryptString(readFileSync(keyFile));
  } else {
    key = randomBytes(32).toString('base64');
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, safeStorage.encryptString(key), { mode: 0o600, flag: 'wx' });
  }
  return { LATHE_STORE_KEY: key, LATHE_STORE_KEY_SOURCE: 'desktop-keychain' };
}
