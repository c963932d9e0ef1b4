#!/usr/bin/env node
import { UsageError } from './args';
import { check, Output, synth, USAGE } from './commands';

/** Runs the CLI; returns the exit code. Errors are printed as messages, never as stack traces. */
export function main(argv: string[], io: Output = { out: l => console.log(l), err: l => console.error(l) }): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check': return check(rest, io);
      case 'synth': return synth(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`mini-mirror: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`mini-mirror: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
