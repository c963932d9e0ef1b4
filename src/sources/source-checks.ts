import { CheckedSource, SourceFields } from './checked-source';
import { keyTrustProblem } from './key-trust';
import { PackageList } from './package-list';
import { PackageQuery } from './package-query';
import { broadQueryMessage } from './query/broad';
import { CANONICAL_QUERY } from './query/canonical';
import {
  checkArchitecture, checkComponent, checkDistribution, checkFingerprint, checkPathSegment, normalizeFingerprint,
  checkPublishDistribution, checkReleaseField, checkUrl, checkWorldName, isFlatDistribution,
} from './validation';
import { ProblemHint } from '../util/hinted-error';

/** A problem with one field; `index` is the entry of a list field, `column` within a query. */
export interface FieldProblem {
  readonly field: 'prefix' | 'name' | 'url' | 'keyUrl' | 'keyFingerprints' | 'distribution' | 'components'
  | 'packages' | 'architectures' | 'aptlyConfig' | 'origin' | 'label' | 'suite' | 'world' | 'publishDistribution';
  readonly index?: number;
  readonly column?: number;
  readonly message: string;
  /** the kind of advice the message gives */
  readonly hint?: ProblemHint;
}

/** The outcome of `checkSourceFields`: the problems, or (when there are none) the checked source. */
export interface SourceCheck {
  readonly problems: FieldProblem[];
  /** present exactly when `problems` is empty */
  readonly checked?: CheckedSource;
}

/**
 * Every problem with a source's fields; when there is none, the source as `CheckedSource`,
 * with its queries normalized, so a loader that checks and then constructs does not analyse
 * thousands of queries twice.
 */
export function checkSourceFields(s: SourceFields): SourceCheck {
  const problems: FieldProblem[] = [];
  const add: Add = (field, message, index, column, hint) => {
    if (message) problems.push({ field, message, index, column, hint });
  };
  checkLocation(s, add);
  const packages = s.packages instanceof PackageList ? s.packages : checkQueries(s.packages, add, s.allowBroadQueries ?? false);
  checkSettings(s, add);
  return problems.length ? { problems } : { problems, checked: new CheckedSource(s, packages) };
}

/** Where the source is and what it is called: names, URLs, distribution, components. */
function checkLocation(s: SourceFields, add: Add): void {
  add('prefix', checkPathSegment('prefix', s.prefix));
  add('name', checkPathSegment('name', s.name));
  add('url', checkUrl('url', s.url));
  if (s.key !== undefined && s.keyUrl !== undefined) {
    add('keyUrl', 'both keyUrl and key are given: give exactly one (the key\'s URL, or the key itself)');
  } else if (s.key === undefined) {
    const keyUrlProblem = s.keyUrl === undefined ? 'no upstream key: give keyUrl or key' : checkUrl('key url', s.keyUrl);
    add('keyUrl', keyUrlProblem ?? keyTrustProblem(s), undefined, undefined, keyUrlProblem ? undefined : 'insecureKeyUrl');
  } else {
    add('keyUrl', keyTrustProblem({ ...s, keyUrl: s.key.url }), undefined, undefined, 'insecureKeyUrl');
  }
  s.keyFingerprints.forEach((f, i) => {
    const problem = checkFingerprint(f);
    add('keyFingerprints', problem ?? s.key?._pinProblem(normalizeFingerprint(f)!), i, undefined, 'keyFingerprints');
  });
  add('distribution', checkDistribution(s.distribution));
  checkComponents(s, add);
  if (s.world !== undefined) add('world', checkWorldName(s.world));
  if (s.publishDistribution !== undefined) add('publishDistribution', checkPublishDistribution(s.publishDistribution));
  if (s.publishDistribution !== undefined && s.distribution && !isFlatDistribution(s.distribution) && s.publishDistribution !== s.distribution) {
    add('publishDistribution', `publish distribution "${s.publishDistribution}" differs from distribution "${s.distribution}": `
      + 'only a flat repository (distribution ending in \'/\') is published under a name of its own; remove it');
  }
}

/** Architectures, Release overrides and the aptly config. */
function checkSettings(s: SourceFields, add: Add): void {
  s.architectures.forEach((a, i) => add('architectures', checkArchitecture(a), i));
  if (s.origin !== undefined) add('origin', checkReleaseField('origin', s.origin));
  if (s.label !== undefined) add('label', checkReleaseField('label', s.label));
  if (s.suite !== undefined) add('suite', checkReleaseField('suite', s.suite));

  if (s.aptlyConfig?.disablesVerification && !s.insecureSkipUpstreamVerification) {
    add('aptlyConfig', `the aptly config (${s.aptlyConfig.origin}) sets "gpgDisableVerify": true, which would mirror unverified packages: `
      + 'remove it, or opt out explicitly with insecureSkipUpstreamVerification', undefined, undefined, 'insecureSkipUpstreamVerification');
  }
}

type Add = (field: FieldProblem['field'], message: string | undefined, index?: number, column?: number, hint?: ProblemHint) => void;

/** A flat repository has no components; any other source needs at least one. */
function checkComponents(s: SourceFields, add: Add): void {
  const flat = s.distribution !== undefined && isFlatDistribution(s.distribution);
  if (flat && s.components.length > 0) {
    add('components', `a flat repository ("${s.distribution}") has no components: remove ${s.components.map(c => `"${c}"`).join(', ')} (it is published with the component "main")`);
    return;
  }
  if (!flat && s.components.length === 0) add('components', 'no components: list at least one, e.g. "main" (only a flat repository, distribution "./", has none)');
  const seen = new Set<string>();
  s.components.forEach((c, i) => {
    if (c.includes('/') && COMPONENT_PATH.test(c)) {
      add('components', `component "${c}" names a path of the archive: write "${c.slice(c.lastIndexOf('/') + 1)}" (e.g. "bookworm-security main", as apt clients write it)`, i);
    } else {
      add('components', checkComponent(c), i);
    }
    if (seen.has(c)) add('components', `component "${c}" is listed twice`, i);
    seen.add(c);
  });
}

const COMPONENT_PATH = /^[a-z0-9][a-z0-9._+-]*(?:\/[a-z0-9][a-z0-9._+-]*)+$/;

/** Checks and normalizes a list of queries; a broad query is a problem unless allowed. */
function checkQueries(list: string[], add: Add, allowBroad: boolean): PackageList {
  if (!Array.isArray(list)) {
    add('packages', 'packages must be a list of package queries, e.g. ["nginx"]');
    return PackageList.fromQueries([]);
  }
  if (list.length === 0) add('packages', 'no package queries: list at least one package to mirror');
  const queries: string[] = [];
  list.forEach((q, i) => {
    if (typeof q !== 'string') {
      add('packages', `package queries are strings, got ${JSON.stringify(q)}`, i);
      return;
    }
    // Most lists are canonical already: one regex test, no objects (see query/canonical.ts).
    if (CANONICAL_QUERY.test(q)) {
      queries.push(q);
      return;
    }
    const parsed = PackageQuery.tryParse(q);
    if (parsed) {
      if (parsed.broad && !allowBroad) add('packages', broadQueryMessage(q, parsed.broad.message), i, parsed.broad.column, 'allowBroadQueries');
      queries.push(parsed.query);
      return;
    }
    const problem = PackageQuery.check(q)!;
    add('packages', `invalid package query "${q}": ${problem.message}`, i, problem.column);
  });
  return PackageList.fromQueries(queries);
}

/** Stand-ins for fields a loader could not read, so that the fields it did read get checked. */
const PLACEHOLDERS: SourceFields = {
  prefix: 'placeholder',
  name: 'placeholder',
  url: 'http://placeholder.example/',
  keyUrl: 'https://placeholder.example/key.asc',
  distribution: 'placeholder',
  components: ['main'],
  packages: ['placeholder'],
  keyFingerprints: [],
  architectures: [],
};

/**
 * `checkSourceFields` for a source with some fields missing (already reported by the loader):
 * checks the rest, without problems about the missing ones. `reportedEmpty` names the list
 * fields whose emptiness the loader has reported itself.
 */
export function checkPartialSourceFields(partial: Partial<SourceFields>, reportedEmpty: readonly string[] = ['components', 'packages']): FieldProblem[] {
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(partial)) {
    const reported = Array.isArray(value) && value.length === 0 && reportedEmpty.includes(key);
    if (value !== undefined && !reported) known[key] = value;
  }
  const fields = { ...PLACEHOLDERS, ...known } as SourceFields;
  return checkSourceFields(fields).problems.filter(p => p.field in known || !(p.field in PLACEHOLDERS));
}
