import { ParsedArgs } from './args';
import { SourceLoadOptions, SourceOverrides } from '../sources/seed/load-options';
import { checkFingerprint, checkWorldName, normalizeFingerprint } from '../sources/validation';

/**
 * Per-source settings the seed formats cannot express, as repeatable options; both `check` and
 * `synth` take them, so that `check` validates what `synth` would load.
 */
export const SOURCE_FLAGS = ['key-fingerprint', 'world', 'allow-missing-dependencies', 'allow-broad-queries', 'insecure-key-url', 'insecure-skip-upstream-verification',
  'allow-downgrade', 'allow-distribution-mismatch'];

// `<prefix>/<name>` (directory) or `<name>/<distribution>` (YAML); the loader reports unknown ids.
const SOURCE_ID = /^[^/\s=]+\/[^/\s=]+$/;

/** The overrides being collected, per source id. */
type Overrides = { [id: string]: { -readonly [K in keyof SourceOverrides]: SourceOverrides[K] } };

/** Collects the per-source options into `SourceLoadOptions.overrides`; bad values go to `problems`. */
export function sourceLoadOptions(args: ParsedArgs, problems: string[]): SourceLoadOptions {
  const overrides: Overrides = {};
  const entry = (id: string) => overrides[id] ??= {};
  for (const value of args.lists.get('key-fingerprint') ?? []) {
    const parsed = assignment('key-fingerprint', value, '<source id>=<fingerprint>', problems);
    if (!parsed) continue;
    const [id, fingerprint] = parsed;
    const normalized = normalizeFingerprint(fingerprint);
    if (!normalized) {
      problems.push(`--key-fingerprint ${value}: ${checkFingerprint(fingerprint)}`);
      continue;
    }
    const pinned = entry(id).keyFingerprints ?? [];
    if (!pinned.includes(normalized)) entry(id).keyFingerprints = [...pinned, normalized];
  }
  for (const value of args.lists.get('world') ?? []) {
    const parsed = assignment('world', value, '<source id>=<world>', problems);
    if (!parsed) continue;
    const [id, world] = parsed;
    const problem = checkWorldName(world);
    const earlier = overrides[id]?.world;
    if (problem) problems.push(`--world ${value}: ${problem}`);
    else if (earlier !== undefined && earlier !== world) problems.push(`--world gives source ${id} two worlds (${earlier}, ${world}): give one`);
    else entry(id).world = world;
  }
  for (const [flag, setting] of SWITCHES) {
    for (const id of args.lists.get(flag) ?? []) {
      if (SOURCE_ID.test(id)) entry(id)[setting] = true;
      else problems.push(idProblem(flag, id, '<source id>'));
    }
  }
  return Object.keys(overrides).length ? { overrides } : {};
}

/** The per-source switches and the setting each turns on. */
const SWITCHES: readonly [string, 'allowMissingDependencies' | 'allowBroadQueries' | 'insecureKeyUrl' | 'insecureSkipUpstreamVerification' | 'allowDowngrade'
  | 'allowDistributionMismatch'][] = [
  ['allow-missing-dependencies', 'allowMissingDependencies'],
  ['allow-broad-queries', 'allowBroadQueries'],
  ['insecure-key-url', 'insecureKeyUrl'],
  ['insecure-skip-upstream-verification', 'insecureSkipUpstreamVerification'],
  ['allow-downgrade', 'allowDowngrade'],
  ['allow-distribution-mismatch', 'allowDistributionMismatch'],
];

function idProblem(flag: string, value: string, form: string): string {
  return `--${flag} "${value}" does not name a source: give ${form}, with the source id that "mini-mirror check" lists (<prefix>/<name>; in YAML files <name>/<distribution>)`;
}

/** `<source id>=<value>`, or undefined with the problem added. */
function assignment(flag: string, value: string, form: string, problems: string[]): [string, string] | undefined {
  const eq = value.indexOf('=');
  const id = value.slice(0, Math.max(eq, 0));
  if (eq >= 0 && SOURCE_ID.test(id)) return [id, value.slice(eq + 1)];
  problems.push(idProblem(flag, value, form));
  return undefined;
}

/** Warnings for the insecure per-source options, printed whenever they are used. */
export function sourceFlagWarnings(options: SourceLoadOptions): string[] {
  const overrides = Object.entries(options.overrides ?? {});
  return [
    ...overrides.filter(([, o]) => o.insecureSkipUpstreamVerification)
      .map(([id]) => `warning: upstream signatures of ${id} are NOT verified (--insecure-skip-upstream-verification): anyone between the build and upstream can change its packages`),
    // Meant for one deliberate roll-back: left on, a replayed or frozen upstream goes unnoticed.
    ...overrides.filter(([, o]) => o.allowDowngrade)
      .map(([id]) => `warning: ${id} may go back in time against the previous build (--allow-downgrade): drop the option once the intended roll-back is built`),
    ...overrides.filter(([, o]) => o.insecureKeyUrl && !o.insecureSkipUpstreamVerification)
      .map(([id]) => `warning: the upstream key of ${id} is NOT authenticated (--insecure-key-url): anyone between the build and its http:// key_url can replace it`),
  ];
}
