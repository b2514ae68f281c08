// `osteoflow identity`: a pseudonym assigned once and found again, the identifier revealed only to the caller who asks
// by study and pseudonym, and no key or an unknown pseudonym answered with a clear message.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../cli/main';
import { tempDir } from '../pacs/support';
import { captureOutput } from './support/captureOutput';

const osteoflow = (...argv: string[]) => captureOutput(() => main(argv));

describe('osteoflow identity', () => {
  const dir = tempDir('osteoflow-identity-cli-');
  const keyFile = path.join(dir, 'identity.key');
  writeFileSync(keyFile, Buffer.alloc(32, 9).toString('base64'));
  const saved = { key: process.env.OSTEOFLOW_IDENTITY_KEY, map: process.env.OSTEOFLOW_IDENTITY_MAP };
  afterAll(() => {
    for (const [name, value] of [
      ['OSTEOFLOW_IDENTITY_KEY', saved.key],
      ['OSTEOFLOW_IDENTITY_MAP', saved.map],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('assigns a pseudonym once, and reveals the identifier behind it', async () => {
    process.env.OSTEOFLOW_IDENTITY_KEY = keyFile;
    process.env.OSTEOFLOW_IDENTITY_MAP = path.join(dir, 'map.enc');
    expect(await osteoflow('identity', 'pseudonym', '--study', 'OS-1', '--patient-id', 'H42')).toEqual({ code: 0, out: 'OSF-0001\n', err: '' });
    expect(await osteoflow('identity', 'pseudonym', '--study', 'OS-1', '--patient-id', 'H43', '--prefix', 'OS1')).toEqual({
      code: 0,
      out: 'OS1-0001\n',
      err: '',
    });
    expect(await osteoflow('identity', 'pseudonym', '--study', 'OS-1', '--patient-id', 'H42')).toEqual({ code: 0, out: 'OSF-0001\n', err: '' });
    expect(await osteoflow('identity', 'reveal', '--study', 'OS-1', '--pseudonym', 'OS1-0001')).toEqual({ code: 0, out: 'H43\n', err: '' });
    expect(await osteoflow('identity', 'reveal', '--study', 'OS-2', '--pseudonym', 'OSF-0001')).toEqual({
      code: 1,
      out: '',
      err: 'osteoflow identity reveal: no patient of study OS-2 has the pseudonym OSF-0001\n',
    });
  });

  it('says how to make a key when none is configured', async () => {
    delete process.env.OSTEOFLOW_IDENTITY_KEY;
    const result = await osteoflow('identity', 'reveal', '--study', 'OS-1', '--pseudonym', 'OSF-0001');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'osteoflow identity reveal: no key: set OSTEOFLOW_IDENTITY_KEY to a file holding 32 random bytes in base64 (openssl rand -base64 32)\n',
    );
  });
});
