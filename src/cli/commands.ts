import { build } from './build';
import { check } from './check';
import { diff } from './diff';
import { Output } from './output';
import { push } from './push';
import { synth } from './synth';
import { BUILD_USAGE, CHECK_USAGE, DIFF_USAGE, PUSH_USAGE, SYNTH_USAGE } from './usage';

/** A subcommand: its help text (also printed with its usage errors) and what it does. */
export interface Command {
  readonly usage: string;
  /** A number, or a promise of one for a command that waits for processes (build). */
  run(argv: string[], io: Output): number | Promise<number>;
}

export const COMMANDS: { readonly [name: string]: Command } = {
  check: { usage: CHECK_USAGE, run: check },
  synth: { usage: SYNTH_USAGE, run: synth },
  diff: { usage: DIFF_USAGE, run: diff },
  build: { usage: BUILD_USAGE, run: build },
  push: { usage: PUSH_USAGE, run: push },
};
