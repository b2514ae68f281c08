// Runs a command in this process with everything it prints captured: console and direct writes to stdout and stderr.
export async function captureOutput(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spies = [
    jest.spyOn(console, 'log').mockImplementation((...a) => void (out += `${a.join(' ')}\n`)),
    jest.spyOn(console, 'error').mockImplementation((...a) => void (err += `${a.join(' ')}\n`)),
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true)),
  ];
  try {
    return { code: await run(), out, err };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
