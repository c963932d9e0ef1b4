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

/** A Kubernetes resource quantity as users write them: `500m`, `1`, `1.5`, `512Mi`, `2Gi`, `1e3`. */
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;

/** The problem with `value` as a resource quantity, or undefined when it is one. */
export function quantityProblem(what: string, value: string, example: string): string | undefined {
  if (typeof value === 'string' && QUANTITY.test(value)) return undefined;
  return `${what} "${value}" is not a Kubernetes quantity: write a number with an optional unit, e.g. ${example}`;
}

/** Throws unless `value` is a resource quantity. */
export function checkQuantity(what: string, value: string, example: string): string {
  const problem = quantityProblem(what, value, example);
  if (problem) throw new Error(problem);
  return value;
}
