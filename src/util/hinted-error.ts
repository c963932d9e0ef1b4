// Advice in error messages names construct props (`set insecureSkipUpstreamVerification on the
// source`). A command-line tool says how to do the same with its options: the place that raises
// the problem marks it with the kind of advice it gives, and the tool maps that kind to its own
// words, so rewording a message never loses its hint.

/** The kinds of advice an error can carry (internal: the CLI maps each to its options). */
export type ProblemHint =
  | 'insecureSkipUpstreamVerification'
  | 'allowMissingDependencies'
  | 'keyFingerprints'
  | 'insecureKeyUrl'
  | 'allowBroadQueries'
  | 'world'
  | 'overrides'
  | 'namespace'
  | 'clientKeyPath'
  | 'splitInstances';

/** An error whose advice has a form other tools can give in their own terms. */
export class HintedError extends Error {
  /** the kinds of advice the message gives, each once */
  public readonly hints: readonly ProblemHint[];

  public constructor(message: string, hints: readonly ProblemHint[]) {
    super(message);
    this.hints = [...new Set(hints)];
  }
}

/** An error with `message`, marked as giving the advice `hint`. */
export function hintedError(message: string, hint: ProblemHint): HintedError {
  return new HintedError(message, [hint]);
}

/** The kinds of advice an error carries (none for an error that is not a `HintedError`). */
export function hintsOf(error: unknown): readonly ProblemHint[] {
  return error instanceof HintedError ? error.hints : [];
}
