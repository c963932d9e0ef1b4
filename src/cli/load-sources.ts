import * as fs from 'fs';
import { messageOf } from './errors';
import { SourceLoadOptions } from '../sources/load-options';
import { MirrorSource } from '../sources/mirror-source';

// Loader advice names construct props; these say how to do the same from the command line.
const HINTS: [RegExp, string][] = [
  [/\binsecureSkipUpstreamVerification\b/, 'to opt a source out from the command line, pass --insecure-skip-upstream-verification <source id>'],
  [/\ballowMissingDependencies\b/, 'to publish a source with missing dependencies from the command line, pass --allow-missing-dependencies <source id>'],
  [/\bkeyFingerprints\b/, 'to pin an upstream key from the command line, pass --key-fingerprint <source id>=<fingerprint>'],
  [/\boverrides name source\b/, 'the per-source options (--key-fingerprint, --allow-missing-dependencies, ...) take a source id that "mini-mirror check" lists'],
];

/**
 * Loads a sources directory or YAML file. `label` names the input in messages (`--sources dir`
 * or just the path). Throws one message listing every problem, with command-line hints.
 */
export function loadSources(label: string, target: string, options: SourceLoadOptions): MirrorSource[] {
  if (!fs.existsSync(target)) throw new Error(`${label} does not exist: give a sources directory or a sources YAML file`);
  try {
    return fs.statSync(target).isDirectory() ? MirrorSource.fromDirectory(target, options) : MirrorSource.fromYamlFile(target, options);
  } catch (e) {
    const message = messageOf(e);
    const hints = HINTS.filter(([re]) => re.test(message)).map(([, hint]) => `\n  hint: ${hint}`);
    throw new Error(message + hints.join(''));
  }
}
