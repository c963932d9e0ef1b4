// Checks of plain values shared by the constructs, the loaders and the CLI, each written once so
// every caller accepts the same values and words the problem the same way.

/** The problem with `value` as a whole number from `min` to `max`, or undefined when it is one. */
export function wholeNumberProblem(what: string, value: number, min: number, max: number): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${what} must be a whole number from ${min} to ${max}, got ${value}`;
}

/** Throws unless `value` is a whole number from `min` to `max`. */
export function checkWholeNumber(what: string, value: number, min: number, max: number): number {
  const problem = wholeNumberProblem(what, value, min, max);
  if (problem) throw new Error(problem);
  return value;
}
