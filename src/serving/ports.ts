import { wholeNumberProblem } from '../util/checks';

// Which ports the Service may use: one rule for its port, a chosen node port and the cluster's
// NodePort range.

/** A node port range; ServingNodePortRange has this shape (not imported: serving-options imports this file's rules). */
export interface PortRange {
  readonly min: number;
  readonly max: number;
}

/** Highest TCP port (the lowest is 1). */
export const MAX_PORT = 65535;

/** The Kubernetes default of kube-apiserver `--service-node-port-range`. */
export const DEFAULT_NODE_PORT_RANGE: PortRange = { min: 30000, max: 32767 };

/** The problem with `value` as a TCP port, or undefined when it is one. */
export function portProblem(what: string, value: number): string | undefined {
  return wholeNumberProblem(what, value, 1, MAX_PORT);
}

/** Throws unless `value` is a TCP port. */
export function checkPort(what: string, value: number): number {
  const problem = portProblem(what, value);
  if (problem) throw new Error(problem);
  return value;
}

/** A chosen node port (if any) must lie in the cluster's NodePort range (checked first, when given). */
export function checkNodePort(port: number | undefined, range: PortRange | undefined): void {
  if (range !== undefined) checkNodePortRange(range);
  if (port === undefined) return;
  const { min, max } = range ?? DEFAULT_NODE_PORT_RANGE;
  if (wholeNumberProblem('nodePort', port, min, max)) {
    throw new Error(range === undefined
      ? `nodePort ${port} is outside the default NodePort range ${min}-${max}: pick a port in it (e.g. ServingServiceType.nodePort(30888)), or, if your cluster's kube-apiserver --service-node-port-range includes ${port}, set serving.nodePortRange to that range`
      : `nodePort ${port} is outside serving.nodePortRange ${min}-${max}: pick a port in the range, or correct nodePortRange to the cluster's --service-node-port-range`);
  }
}

/** Whole numbers with 1 <= min <= max <= 65535. */
function checkNodePortRange({ min, max }: PortRange): void {
  if (portProblem('min', min) || wholeNumberProblem('max', max, min, MAX_PORT)) {
    throw new Error(`nodePortRange ${min}-${max} is not a port range: give whole numbers with 1 <= min <= max <= ${MAX_PORT}, as in kube-apiserver --service-node-port-range`);
  }
}
