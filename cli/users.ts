// `osteoflow users add|list|disable`: the console's users in the access store of the data folder. A password comes
// from stdin (--password-stdin), OSTEOFLOW_USER_PASSWORD, or a prompt on the terminal; it is never a flag, so it
// stays out of shell history and process lists.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { loadConfig } from '../config';
import { AccessConflictError, AccessControl, AccessInputError, openAccessStore, parseRoles } from '../access';
import { ROLES } from '../contracts/console';
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags, UsageError, type FlagSpec } from './args';

const USAGE = `usage: osteoflow users <action>
  add <username> --role ROLE[,ROLE] [--password-stdin]   (else OSTEOFLOW_USER_PASSWORD, else a prompt)
  list
  disable <username>
roles: ${ROLES.join(', ')}`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
async function prompt(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

async function passwordFor(username: string, fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  if (process.env.OSTEOFLOW_USER_PASSWORD) return process.env.OSTEOFLOW_USER_PASSWORD;
  if (!process.stdin.isTTY) throw new UsageError('no password: pass --password-stdin, set OSTEOFLOW_USER_PASSWORD, or run on a terminal');
  const first = await prompt(`password for ${username}: `);
  const second = await prompt('again: ');
  if (first !== second) throw new UsageError('the two passwords differ');
  return first;
}

/** The username: the first argument when it is not a flag. */
function positional(rest: string[]): { name: string | undefined; flags: string[] } {
  return rest[0] !== undefined && !rest[0].startsWith('-') ? { name: rest[0], flags: rest.slice(1) } : { name: undefined, flags: rest };
}

export const usersCommand: Command = {
  summary: "the web console's users: add (with roles), list, disable",
  async run(argv) {
    const [action, ...rest] = argv;
    if (isHelp(action)) {
      console.log(USAGE);
      return 0;
    }
    if (action !== 'add' && action !== 'list' && action !== 'disable') {
      console.error(USAGE);
      return 2;
    }
    const { name, flags: flagArgs } = positional(rest);
    const spec: FlagSpec = action === 'add' ? { role: { kind: 'string', required: true }, 'password-stdin': { kind: 'boolean' } } : {};
    const parsed = parseArguments(`osteoflow users ${action}`, USAGE, () => {
      const flags = parseFlags(flagArgs, spec) as { help?: boolean; role?: string; 'password-stdin'?: boolean };
      if (!flags.help && action !== 'list' && !name) throw new UsageError('a <username> is needed');
      if (!flags.help && action === 'list' && name) throw new UsageError(`unknown argument '${name}'`);
      return flags;
    });
    if (typeof parsed === 'number') return parsed;
    const store = openAccessStore(loadConfig());
    try {
      const access = new AccessControl(store);
      if (action === 'list') {
        const users = await store.listUsers();
        if (users.length === 0) console.log('no users yet: add one with osteoflow users add <username> --role admin');
        for (const u of users) console.log(`${u.username.padEnd(24)} ${u.roles.join(',').padEnd(36)} ${u.disabled ? 'disabled' : 'enabled'}`);
        return 0;
      }
      if (action === 'disable') {
        const user = await access.updateUser(name!, { disabled: true });
        if (!user) {
          console.error(`osteoflow users disable: no user '${name}'`);
          return 1;
        }
        await store.appendAudit({ actor: 'cli', action: 'user.update', target: `user:${name}`, outcome: 'ok', detail: { disabled: true } });
        console.log(`disabled: ${name} (their sessions ended)`);
        return 0;
      }
      let roles;
      try {
        roles = parseRoles(parsed.role!);
      } catch (err) {
        console.error(`osteoflow users add: --role: ${(err as Error).message}\n${USAGE}`);
        return 2;
      }
      const password = await passwordFor(name!, parsed['password-stdin'] === true);
      await access.addUser(name!, password, roles);
      await store.appendAudit({ actor: 'cli', action: 'user.create', target: `user:${name}`, outcome: 'ok', detail: { roles } });
      console.log(`added: ${name} (${roles.join(', ')})`);
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        console.error(`osteoflow users ${action}: ${err.message}`);
        return 2;
      }
      if (err instanceof AccessInputError || err instanceof AccessConflictError) {
        console.error(`osteoflow users ${action}: ${err.message}`);
        return 1;
      }
      throw err;
    } finally {
      await store.close();
    }
  },
};
