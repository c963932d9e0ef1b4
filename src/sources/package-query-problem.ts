/** Where a problem is, within one query string (1-based column). */
export interface PackageQueryProblem {
  /** 1-based column in the original text. */
  readonly column: number;
  /** Lower-case, no trailing period: what is wrong and what to do. */
  readonly message: string;
}
