// `osteoflow codec`: the keys of the encrypted workflow payloads and the codec server the Temporal UI decodes through.
//   codec new-keys FILE        writes a key file with one new key (mode 0600; never over an existing file)
//   codec rotate FILE          adds a new key to FILE and encrypts with it from now on; the old keys still decrypt
//   codec server [--port P] [--ui-origin URL]…   serves POST /decode and /encode for the configured key file
// Every client and worker encrypts once OSTEOFLOW_CODEC_KEYS names the key file; the codec server needs a token in
// OSTEOFLOW_CODEC_SERVER_TOKEN, which callers present as a bearer token.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags } from './args';
import { loadConfig } from '../config';
import { AesGcmPayloadCodec, loadCodecKeys, newCodecKey } from '../config/payloadCodec';
import { startCodecServer } from '../ops/codecServer';

const USAGE = [
  'usage: osteoflow codec new-keys FILE',
  '       osteoflow codec rotate FILE',
  '       osteoflow codec server [--port P] [--host H] [--ui-origin URL]…   (key file: OSTEOFLOW_CODEC_KEYS; token: OSTEOFLOW_CODEC_SERVER_TOKEN)',
].join('\n');

/** A key id that sorts by creation and says when: k-20261205T001500Z. */
const keyId = (now = new Date()) => `k-${now.toISOString().replace(/[-:]|\.\d+/g, '')}`;

function writeKeyFile(file: string, content: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

export const codecCommand: Command = {
  summary: 'encrypted workflow payloads: make and rotate the codec keys, serve the codec to the Temporal UI',
  async run(argv) {
    const [action, ...rest] = argv;
    if (!action || isHelp(action)) {
      console.log(USAGE);
      return action ? 0 : 2;
    }
    if (action === 'new-keys' || action === 'rotate') {
      const [file, ...extra] = rest;
      if (!file || extra.length > 0 || isHelp(file)) {
        console.error(USAGE);
        return isHelp(file) ? 0 : 2;
      }
      if (action === 'new-keys') {
        if (existsSync(file)) {
          console.error(`osteoflow codec new-keys: ${file} exists; it is never overwritten (use rotate to add a key)`);
          return 1;
        }
        const id = keyId();
        writeKeyFile(file, { encryptWith: id, keys: { [id]: newCodecKey() } });
        console.log(`wrote ${file} (key ${id}); set OSTEOFLOW_CODEC_KEYS=${file} for every client and worker`);
        return 0;
      }
      const current = loadCodecKeys(file); // validates the file as it stands
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { keys: Record<string, string> };
      const id = keyId();
      if (current.keys.has(id)) {
        console.error(`osteoflow codec rotate: ${file} already holds key ${id}; try again in a second`);
        return 1;
      }
      writeKeyFile(`${file}.next`, { encryptWith: id, keys: { ...raw.keys, [id]: newCodecKey() } });
      renameSync(`${file}.next`, file);
      console.log(
        `${file}: new payloads are encrypted with ${id}; ${[...current.keys.keys()].join(', ')} still decrypt (restart clients and workers to pick it up)`,
      );
      return 0;
    }
    if (action === 'server') {
      const flags = parseArguments('osteoflow codec server', USAGE, () =>
        parseFlags(rest, { port: { kind: 'int', min: 0, max: 65535 }, host: { kind: 'string' }, 'ui-origin': { kind: 'list' } }),
      );
      if (typeof flags === 'number') return flags;
      const cfg = loadConfig();
      if (!cfg.temporal.codecKeysFile) {
        console.error('osteoflow codec server: no key file: set OSTEOFLOW_CODEC_KEYS to the codec key file (osteoflow codec new-keys FILE makes one)');
        return 1;
      }
      const token = process.env.OSTEOFLOW_CODEC_SERVER_TOKEN;
      if (!token || token.length < 16) {
        console.error('osteoflow codec server: set OSTEOFLOW_CODEC_SERVER_TOKEN to a secret of at least 16 characters; callers present it as a bearer token');
        return 1;
      }
      const server = await startCodecServer({
        codec: new AesGcmPayloadCodec(loadCodecKeys(cfg.temporal.codecKeysFile)),
        namespace: cfg.temporal.namespace,
        token,
        allowedOrigins: flags['ui-origin'] ?? [],
        port: flags.port ?? 8888,
        host: flags.host,
      });
      console.log(`codec server for namespace ${cfg.temporal.namespace} at ${server.url} (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      await server.close();
      return 0;
    }
    console.error(`osteoflow codec: unknown action '${action}' (expected new-keys, rotate or server)\n${USAGE}`);
    return 2;
  },
};
