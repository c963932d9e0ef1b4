import { HintedError, ProblemHint } from '../util/hinted-error';

/**
 * Problems found in user input, collected so that one run reports all of them.
 * Internal: loaders attach file and line, typed props attach the field path.
 */
export interface Problem {
  /** file the problem is in, when the input came from a file */
  readonly file?: string;
  /** 1-based line in `file` */
  readonly line?: number;
  /** 1-based column in the line */
  readonly column?: number;
  /** lowercase, says what is wrong and what to do */
  readonly message: string;
  /** the kind of advice the message gives, for tools that give it in their own terms */
  readonly hint?: ProblemHint;
}

export function formatProblem(p: Problem): string {
  let where = p.file ?? '';
  if (p.file && p.line !== undefined) {
    where += `:${p.line}`;
    if (p.column !== undefined) where += `:${p.column}`;
  }
  return where ? `${where}: ${p.message}` : p.message;
}

/** Every problem of one input, in one error: `<n> problems in <what>:` and a line per problem. */
export class ProblemsError extends HintedError {
  /** the problems, each once, in the order they were found */
  public readonly problems: readonly Problem[];

  public constructor(what: string, problems: readonly Problem[]) {
    // A document-level mistake shared by several sources is reported once.
    const unique = [...new Map(problems.map(p => [formatProblem(p), p])).values()];
    const count = unique.length === 1 ? '1 problem' : `${unique.length} problems`;
    const lines = unique.map(p => `  ${formatProblem(p)}`);
    super(`${count} in ${what}:\n${lines.join('\n')}`, unique.flatMap(p => (p.hint ? [p.hint] : [])));
    this.problems = unique;
  }
}

/** Throws one error listing every problem, or returns when there are none. */
export function throwIfProblems(what: string, problems: readonly Problem[]): void {
  if (problems.length > 0) throw new ProblemsError(what, problems);
}
