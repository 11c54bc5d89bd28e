import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Unit and integration tests (Node environment). `electron` resolves to a stub: code under electron/ is
// tested without an Electron binary, and nothing outside electron/ may import it (scripts/lintLayers.mjs).
export default defineConfig({
  resolve: {
    alias: {
      'electron-store': fileURLToPath(new URL('./electron/test/electronStoreStub.ts', import.meta.url)),
      electron: fileURLToPath(new URL('./electron/test/electronStub.ts', import.meta.url)),
    },
  },
  test: {
    include: ['main/**/*.test.ts', 'kernels/**/*.test.ts', 'renderer/**/*.test.ts', 'renderer/**/*.test.tsx', 'electron/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['scripts/test/globalSetup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
