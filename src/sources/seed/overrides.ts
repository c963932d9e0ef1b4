import { SourceFields } from '../checked-source';
import { SourceLoadOptions, SourceOverrides } from './load-options';
import { Problem } from '../problems';

/** The loaded fields with the user's load options and per-source overrides applied. */
export function applyOverrides(fields: Partial<SourceFields>, options: SourceLoadOptions, id: string): Partial<SourceFields> {
  if (options.allowBroadQueries) fields = { ...fields, allowBroadQueries: true };
  const overrides: SourceOverrides | undefined = options.overrides?.[id];
  if (!overrides) return fields;
  return {
    ...fields,
    keyFingerprints: overrides.keyFingerprints ?? fields.keyFingerprints,
    architectures: overrides.architectures ?? fields.architectures,
    world: overrides.world ?? fields.world,
    allowBroadQueries: overrides.allowBroadQueries ?? fields.allowBroadQueries,
    origin: overrides.origin ?? fields.origin,
    label: overrides.label ?? fields.label,
    suite: overrides.suite ?? fields.suite,
    insecureKeyUrl: overrides.insecureKeyUrl ?? fields.insecureKeyUrl,
    insecureSkipUpstreamVerification: overrides.insecureSkipUpstreamVerification ?? fields.insecureSkipUpstreamVerification,
    allowMissingDependencies: overrides.allowMissingDependencies ?? fields.allowMissingDependencies,
    allowDowngrade: overrides.allowDowngrade ?? fields.allowDowngrade,
    allowDistributionMismatch: overrides.allowDistributionMismatch ?? fields.allowDistributionMismatch,
  };
}

/** An override for a source that was not loaded is almost always a typo: report it. */
export function checkOverrideKeys(options: SourceLoadOptions, ids: string[], file: string): Problem[] {
  const known = new Set(ids);
  return Object.keys(options.overrides ?? {})
    .filter(id => !known.has(id))
    .map((id): Problem => ({ file, message: `overrides name source "${id}", which is not defined here: use one of ${ids.join(', ') || '(none)'}`, hint: 'overrides' }));
}
