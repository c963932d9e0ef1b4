// Advice in loader and construct errors names construct props; these say how to do the same
// from the command line.
const HINTS: [RegExp, string][] = [
  [/\binsecureSkipUpstreamVerification\b/, 'to opt a source out from the command line, pass --insecure-skip-upstream-verification <source id>'],
  [/\ballowMissingDependencies\b/, 'to publish a source with missing dependencies from the command line, pass --allow-missing-dependencies <source id>'],
  [/\bkeyFingerprints\b/, 'to pin an upstream key from the command line, pass --key-fingerprint <source id>=<fingerprint>'],
  [/\ballowBroadQueries\b/, 'to accept such queries from the command line, pass --allow-broad-queries <source id>'],
  [/\bset world\b/, 'to set a source\'s world from the command line, pass --world <source id>=<world>'],
  [/\boverrides name source\b/, 'the per-source options (--key-fingerprint, --world, --allow-missing-dependencies, ...) take a source id that "mini-mirror check" lists'],
  [/set namespace on the Chart/, 'from the command line, pass --namespace <namespace> (the one you apply the YAML to), or --base-url <url clients use>'],
  [/set clients\.keyPath/, 'from the command line, pass --client-key-path /etc/apt/keyrings/<name>.asc'],
  [/split them over several MiniMirror instances/, 'from the command line, split the sources into several directories and synth each with its own --name'],
];

/** The message with a `hint:` line for each piece of advice that has a command-line form. */
export function withHints(message: string): string {
  return message + HINTS.filter(([re]) => re.test(message)).map(([, hint]) => `\n  hint: ${hint}`).join('');
}
