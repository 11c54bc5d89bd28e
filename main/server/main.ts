import { runCli } from './cli';

// `lathe serve` never returns; every other command is done when runCli resolves. Exit then, rather than
// wait for libraries' idle timers (the Jupyter client keeps one alive for a minute after `nb run`).
const code = await runCli(process.argv.slice(2));
process.exit(code);
