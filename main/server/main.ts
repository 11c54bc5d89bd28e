import { runCli } from './cli';

// The `lathe` entry point (bundled to dist/core/lathe.mjs).
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
