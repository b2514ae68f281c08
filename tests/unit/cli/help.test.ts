// `osteoflow --help` lists the commands from cli/main.ts's table without loading them; each listed summary must be the
// one the command itself carries, so the two cannot drift apart.
import { COMMANDS } from '../../../cli/main';

jest.setTimeout(60000);

describe('the help index', () => {
  it.each(Object.keys(COMMANDS))('%s: the listed summary is the command’s own', (name) => {
    const { summary, load } = COMMANDS[name];
    expect(summary).toBe(load().summary);
  });
});
