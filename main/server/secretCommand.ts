import { readFileSync } from 'node:fs';
import { AppError } from '../common/errors';
import { createProxy } from '../common/rpcClient';
import { SecretChannel } from '../common/secrets';
import { withClient, type Out } from './cliClient';

/** Usage of `lathe secret`. */
export const SECRET_USAGE = `  lathe secret list [--json]                      Secret names (values are never shown).
  lathe secret set NAME [--from-file F]           Store a secret for jobs (\`secrets: [NAME]\`); the value is read
                                                  from F, from stdin when piped, or typed without echo.
  lathe secret rm NAME | reset --yes              Delete one, or all (when the store's key is lost).`;

/** `lathe secret …`: the encrypted secret store of a running core. Values never go through argv. */
export async function secretCommand(args: string[], out: Out, env: NodeJS.ProcessEnv, readValue: (prompt: string) => Promise<string> = readFromStdin): Promise<number> {
  const [sub, ...rest] = args;
  const flags = { json: { type: 'boolean' }, 'from-file': { type: 'string' }, yes: { type: 'boolean' } } as const;
  return withClient(
    rest,
    flags,
    env,
    async (client, o, pos) => {
      const secrets = createProxy(client, SecretChannel);
      const name = pos[0];
      switch (sub) {
        case 'list': {
          const list = await secrets.list();
          if (o.json) out.log(JSON.stringify(list, null, 2));
          else if (!list.length) out.log('No secrets. Add one with `lathe secret set NAME`.');
          else for (const s of list) out.log(`${s.name.padEnd(32)} ${String(s.length).padStart(5)} chars  updated ${s.updatedAt}`);
          return 0;
        }
        case 'set': {
          if (!name) throw new AppError('USAGE', 'lathe secret set NAME [--from-file F]');
          let value: string;
          if (o['from-file']) {
            try {
              value = readFileSync(o['from-file'] as string, 'utf8');
            } catch (err) {
              throw new AppError('USAGE', `cannot read ${o['from-file'] as string}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
            }
          } else value = await readValue(`Value for ${name} (input hidden): `);
          // A trailing newline is what `echo` and editors add, never part of a token.
          const info = await secrets.set(name, value.replace(/\r?\n$/, ''));
          out.log(`${info.name} stored (${info.length} chars).`);
          return 0;
        }
        case 'rm':
          if (!name) throw new AppError('USAGE', 'lathe secret rm NAME');
          await secrets.delete(name);
          out.log(`${name} deleted.`);
          return 0;
        case 'reset':
          if (!o.yes) throw new AppError('USAGE', 'lathe secret reset --yes deletes every secret; add --yes if that is what you want.');
          out.log(`${await secrets.reset()} secret(s) deleted.`);
          return 0;
        default:
          throw new AppError('USAGE', `unknown secret command "${sub ?? ''}"`);
      }
    },
    1,
  );
}

/** Piped stdin whole, or one line typed on a terminal without echo. */
async function readFromStdin(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            return reject(new AppError('CANCELLED', 'cancelled'));
          }
          value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
