import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../main/server/cli';
import { startCore } from '../../main/server/serverMain';
import { capture } from './capture';

/**
 * A real core (in this process) on `root`: data in `root/<name>data`, a home of its own at `root/<name>home`
 * (`prepareHome` may put things there first, such as a stand-in conda), and `PATH` for what it runs (default:
 * Debian's /usr/bin first). `cli(...args)` runs the `lathe` CLI against it and returns the exit code and output.
 */
export async function startTestCore(root: string, o: { name?: string; path?: string; prepareHome?: (home: string) => void } = {}) {
  const prefix = o.name ? `${o.name}-` : '';
  const home = join(root, `${prefix}home`);
  mkdirSync(home);
  o.prepareHome?.(home);
  const dataDir = join(root, `${prefix}data`);
  const core = await startCore({ dataDir, localSocket: false, logConsole: null, home, userEnv: { PATH: o.path ?? `/usr/bin:${process.env.PATH}`, HOME: home } });
  const cli = async (...args: string[]) => {
    const c = capture();
    const code = await runCli([...args, '--url', core.url], c.io, { LATHE_TOKEN: core.token });
    return { code, out: c.out.join('\n'), err: c.err.join('\n') };
  };
  return { core, home, dataDir, cli };
}
