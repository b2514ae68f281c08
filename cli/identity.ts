// `osteoflow identity`: the coordinator's and intake's door to the identifier ↔ pseudonym map (pacs/identityMap.ts),
// an encrypted file under the key OSTEOFLOW_IDENTITY_KEY names.
//   identity pseudonym --study S --patient-id ID [--prefix P]   the patient's pseudonym in the study, assigned if new
//   identity reveal --study S --pseudonym P                     the hospital identifier behind a pseudonym
// The patient identifier is read from the command line or, with --patient-id -, from stdin (keeps it out of the shell's
// history). Nothing else in osteoflow sees identifiers: workflows, logs and the results store carry pseudonyms only.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArguments, type Command } from './command';
import { isHelp, parseFlags } from './args';
import { loadConfig } from '../config';
import { IdentityMap, loadIdentityKey } from '../pacs/identityMap';

const USAGE = [
  'usage: osteoflow identity pseudonym --study STUDY --patient-id ID|- [--prefix PREFIX]',
  '       osteoflow identity reveal --study STUDY --pseudonym PSEUDONYM',
  '(key: OSTEOFLOW_IDENTITY_KEY, a file of 32 bytes in base64; map: OSTEOFLOW_IDENTITY_MAP, default <data folder>/identity-map.enc)',
].join('\n');

function openMap(command: string): IdentityMap | number {
  const cfg = loadConfig();
  if (!cfg.identity.keyFile) {
    console.error(`${command}: no key: set OSTEOFLOW_IDENTITY_KEY to a file holding 32 random bytes in base64 (openssl rand -base64 32)`);
    return 1;
  }
  return IdentityMap.open(cfg.identity.mapFile ?? path.join(cfg.dataDir, 'identity-map.enc'), loadIdentityKey(cfg.identity.keyFile));
}

export const identityCommand: Command = {
  summary: 'the encrypted patient identifier ↔ pseudonym map: assign or look up a pseudonym, reveal an identifier',
  async run(argv) {
    const [action, ...rest] = argv;
    if (!action || isHelp(action)) {
      console.log(USAGE);
      return action ? 0 : 2;
    }
    if (action === 'pseudonym') {
      const flags = parseArguments('osteoflow identity pseudonym', USAGE, () =>
        parseFlags(rest, { study: { kind: 'string', required: true }, 'patient-id': { kind: 'string', required: true }, prefix: { kind: 'string' } }),
      );
      if (typeof flags === 'number') return flags;
      const map = openMap('osteoflow identity pseudonym');
      if (typeof map === 'number') return map;
      const identifier = flags['patient-id'] === '-' ? readFileSync(0, 'utf8').trim() : flags['patient-id']!;
      console.log(map.pseudonymFor(flags.study!, identifier, { prefix: flags.prefix }));
      return 0;
    }
    if (action === 'reveal') {
      const flags = parseArguments('osteoflow identity reveal', USAGE, () =>
        parseFlags(rest, { study: { kind: 'string', required: true }, pseudonym: { kind: 'string', required: true } }),
      );
      if (typeof flags === 'number') return flags;
      const map = openMap('osteoflow identity reveal');
      if (typeof map === 'number') return map;
      const identifier = map.identifierOf(flags.study!, flags.pseudonym!);
      if (identifier === undefined) {
        console.error(`osteoflow identity reveal: no patient of study ${flags.study} has the pseudonym ${flags.pseudonym}`);
        return 1;
      }
      console.log(identifier);
      return 0;
    }
    console.error(`osteoflow identity: unknown action '${action}' (expected pseudonym or reveal)\n${USAGE}`);
    return 2;
  },
};
