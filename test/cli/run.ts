import { main } from '../../src/cli/main';

/** Runs the CLI in-process; returns its exit code and what it printed. */
export function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: l => out.push(l), err: l => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
