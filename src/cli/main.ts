#!/usr/bin/env node
import { didYouMean } from './args';
import { COMMANDS } from './commands';
import { InputProblems, messageOf, UsageError } from './errors';
import { Output } from './output';
import { USAGE } from './usage';
import { packageVersion } from './version';

/**
 * Runs the CLI; returns the exit code (a promise of it for a command that waits for processes:
 * build). Errors are printed as messages, never as stack traces.
 */
export function main(argv: string[], io: Output = { out: l => console.log(l), err: l => console.error(l) }): number | Promise<number> {
  const [first, ...rest] = argv;
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, first) ? COMMANDS[first] : undefined;
  const report = (e: unknown) => reportError(e, command?.usage ?? USAGE, io);
  try {
    const code = command ? command.run(rest, io) : topLevel(first, rest, io);
    return typeof code === 'number' ? code : code.catch(report);
  } catch (e) {
    return report(e);
  }
}

/** Prints what went wrong; returns the exit code. */
function reportError(e: unknown, usage: string, io: Output): number {
  if (e instanceof UsageError) {
    io.err(`mini-mirror: ${e.message}\n\n${usage}`);
    return 2;
  }
  const problems = e instanceof InputProblems ? e.problems : [messageOf(e)];
  for (const problem of problems) io.err(`mini-mirror: ${problem}`);
  return 1;
}

/** Everything that is not a command: help, version, mistakes. */
function topLevel(first: string | undefined, rest: string[], io: Output): number {
  switch (first) {
    case undefined:
      throw new UsageError('no command given');
    case '-h':
    case '--help':
      io.out(USAGE);
      return 0;
    case 'help': {
      const topic = rest[0];
      if (topic !== undefined && !Object.prototype.hasOwnProperty.call(COMMANDS, topic)) throw new UsageError(`unknown command "${topic}"${didYouMean(topic, Object.keys(COMMANDS))}`);
      io.out(topic === undefined ? USAGE : COMMANDS[topic].usage);
      return 0;
    }
    case '--version':
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
      io.out(packageVersion());
      return 0;
    default:
      throw new UsageError(first.startsWith('-') ? `unknown option ${first.split('=')[0]}` : `unknown command "${first}"${didYouMean(first, Object.keys(COMMANDS))}`);
  }
}

if (require.main === module) {
  void Promise.resolve(main(process.argv.slice(2))).then(code => process.exitCode = code);
}
