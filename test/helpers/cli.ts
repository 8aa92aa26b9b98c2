// Runs the epsim CLI in this process with its output captured: exit code, stdout and stderr text.
import { main } from '../../cli/main.ts';

export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
