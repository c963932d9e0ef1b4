import { UsageError } from './errors';
import { nearNames } from '../util/near-names';

/** The options a command accepts. */
export interface FlagSpec {
  /** options that take a value, at most once */
  readonly valued?: string[];
  /** options that take a value and may be given several times */
  readonly repeatable?: string[];
  /** options without a value */
  readonly switches?: string[];
}

/** Parsed command line: positional arguments and `--flag value` / `--switch` options. */
export interface ParsedArgs {
  readonly positional: string[];
  /** valued options and switches (`true`) */
  readonly options: Map<string, string | true>;
  /** every value of each repeatable option, in order */
  readonly lists: Map<string, string[]>;
}

/** Whether `-h` or `--help` appears before `--`: help wins over every other argument. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some(a => a === '-h' || a === '--help');
}

/**
 * Parses `argv` against the options a command accepts. Unknown options are errors, so a typo
 * never silently changes what is synthesized; a path starting with '-' goes after `--`.
 */
export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (spec.switches?.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const repeatable = spec.repeatable?.includes(name);
    if (!repeatable && !spec.valued?.includes(name)) throw new UsageError(`unknown option --${name}${didYouMean(name, [...spec.switches ?? [], ...spec.valued ?? [], ...spec.repeatable ?? []], '--')}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    if (repeatable) {
      lists.set(name, [...lists.get(name) ?? [], value]);
    } else {
      if (options.has(name)) throw new UsageError(`--${name} is given twice: give it once`);
      options.set(name, value);
    }
  }
  return { positional, options, lists };
}

/** `: did you mean --x?` when a name is within two edits of one that exists, else nothing. */
export function didYouMean(name: string, known: readonly string[], prefix = ''): string {
  const near = nearNames(name, known, 2);
  return near.length ? `: did you mean ${near.map(n => prefix + n).join(' or ')}?` : '';
}
