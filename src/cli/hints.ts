// Advice in loader and construct errors names construct props; these say how to do the same
// from the command line. The error says which advice it gives (`HintedError.hints`).
import { messageOf } from './errors';
import { hintsOf, ProblemHint } from '../util/hinted-error';

/** The command-line form of each kind of advice, in the order hints are printed. */
const HINTS: { readonly [K in ProblemHint]: string } = {
  insecureSkipUpstreamVerification: 'to opt a source out from the command line, pass --insecure-skip-upstream-verification <source id>',
  allowMissingDependencies: 'to publish a source with missing dependencies from the command line, pass --allow-missing-dependencies <source id>',
  keyFingerprints: 'to pin an upstream key from the command line, pass --key-fingerprint <source id>=<fingerprint>',
  insecureKeyUrl: 'to pin the key from the command line, pass --key-fingerprint <source id>=<fingerprint>; to accept an unauthenticated key, pass --insecure-key-url <source id>',
  allowBroadQueries: 'to accept such queries from the command line, pass --allow-broad-queries <source id>',
  world: 'to set a source\'s world from the command line, pass --world <source id>=<world>',
  overrides: 'the per-source options (--key-fingerprint, --world, --allow-missing-dependencies, ...) take a source id that "mini-mirror check" lists',
  namespace: 'from the command line, pass --namespace <namespace> (the one you apply the YAML to), or --base-url <url clients use>',
  clientKeyPath: 'from the command line, pass --client-key-path /etc/apt/keyrings/<name>.asc',
  splitInstances: 'from the command line, split the sources into several directories and synth each with its own --name',
};

/** The kinds of advice `error` gives. */
export function adviceOf(error: unknown): readonly ProblemHint[] {
  return hintsOf(error);
}

/** The error's message with a `hint:` line for each piece of advice that has a command-line form. */
export function withHints(error: unknown): string {
  const advice = new Set(adviceOf(error));
  const hints = (Object.keys(HINTS) as ProblemHint[]).filter(h => advice.has(h));
  return messageOf(error) + hints.map(h => `\n  hint: ${HINTS[h]}`).join('');
}
