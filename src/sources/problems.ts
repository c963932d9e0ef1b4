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
}

export function formatProblem(p: Problem): string {
  let where = p.file ?? '';
  if (p.file && p.line !== undefined) {
    where += `:${p.line}`;
    if (p.column !== undefined) where += `:${p.column}`;
  }
  return where ? `${where}: ${p.message}` : p.message;
}

/** Throws one error listing every problem, or returns when there are none. */
export function throwIfProblems(what: string, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  // A document-level mistake shared by several sources is reported once.
  problems = [...new Map(problems.map(p => [formatProblem(p), p])).values()];
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map(p => `  ${formatProblem(p)}`);
  throw new Error(`${count} in ${what}:\n${lines.join('\n')}`);
}
