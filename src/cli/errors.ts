/**
 * The command line itself is wrong (unknown command or option, missing required option or
 * value, conflicting options): printed with the command's usage, exit code 2.
 */
export class UsageError extends Error {}

/**
 * The inputs the command line names are wrong (missing or unreadable files, invalid content,
 * invalid option values): every problem is printed, exit code 1.
 */
export class InputProblems extends Error {
  public readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

/** The message of anything thrown (a non-Error throw has none). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
