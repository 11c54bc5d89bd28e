import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../scripts/test/tempDir';
import { loadStoreKey } from '../main/node/secrets/secretStore';
import { desktopStoreKey, type SafeStorageLike } from './storeKey';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

// safeStorage lives only in Electron's main process (no binary here). This stand-in seals with a fixed XOR so the
// test can tell sealed bytes from plaintext; the real app gets the OS keychain's encryption.
function fakeSafeStorage(available = true, backend = 'gnome_libsecret'): SafeStorageLike {
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  return { isEncryptionAvailable: () => available, getSelectedStorageBackend: () => backend, encryptString: (s) => xor(Buffer.from(s)), decryptString: (b) => xor(b).toString() };
}

describe('the desktop shell keeps the secret store key in the OS keychain', () => {
  it('creates a key once, sealed, and hands the same key to every core launch', () => {
    const user = dirs.make();
    const data = dirs.make();
    const keyFile = join(user, 'store-key.bin');
    const first = desktopStoreKey(fakeSafeStorage(), keyFile, data)!;
    expect(first.LATHE_STORE_KEY_SOURCE).toBe('desktop-keychain');
    expect(Buffer.from(first.LATHE_STORE_KEY!, 'base64')).toHaveLength(32);
    expect(readFileSync(keyFile).toString('latin1')).not.toContain(first.LATHE_STORE_KEY);
    expect(desktopStoreKey(fakeSafeStorage(), keyFile, data)).toEqual(first);
    // The core accepts it as is.
    expect(loadStoreKey(data, first)).toMatchObject({ source: 'desktop-keychain' });
    expect(existsSync(join(data, 'store.key'))).toBe(false);
  });

  it('leaves the key to the core where the keychain cannot protect it or the data dir has its own key', () => {
    const user = dirs.make();
    const data = dirs.make();
    expect(desktopStoreKey(fakeSafeStorage(false), join(user, 'k'), data)).toBeUndefined();
    expect(desktopStoreKey(fakeSafeStorage(true, 'basic_text'), join(user, 'k'), data)).toBeUndefined();
    writeFileSync(join(data, 'store.key'), 'x');
    expect(desktopStoreKey(fakeSafeStorage(), join(user, 'k'), data)).toBeUndefined();
    expect(existsSync(join(user, 'k'))).toBe(false);
  });
});
