/** A pod this runner refuses to run: invalid, unresolvable, or not emulated. */
export class PodRunnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodRunnerError';
  }
}

/** Throw a {@link PodRunnerError}. */
export function fail(message: string): never {
  throw new PodRunnerError(message);
}
