// What apt checks in a verified Release besides its signature (apt-pkg/deb/debmetaindex.cc and
// acquire-item.cc): strong hashes, Valid-Until, a Date not in the future, and that the Release is
// the distribution asked for. A mirror that republishes a Release apt would refuse launders it:
// our own signature and a fresh Date make it look current to every client.
import { field } from '../deb/control';
import { ReleaseInfo } from '../deb/release-info';

/** apt's Acquire::Max-FutureTime default: a Date up to this far ahead is clock skew, not a replay. */
export const MAX_FUTURE_SECONDS = 10;

export interface ReleaseProblems {
  /** Each refuses the Release. */
  readonly errors: string[];
  /** Logged; the build goes on. */
  readonly warnings: string[];
}

/**
 * The Release's problems for a client asking for `distribution` at `nowMs`. `url` names the
 * file in messages; `allowDistributionMismatch` makes a conflicting distribution a warning.
 */
export function checkRelease(release: ReleaseInfo, opts: {
  url: string;
  distribution: string;
  nowMs: number;
  allowDistributionMismatch?: boolean;
}): ReleaseProblems {
  const errors: string[] = [];
  const warnings: string[] = [];
  errors.push(...hashProblems(release, opts.url), ...dateProblems(release, opts.url, opts.nowMs));
  const fields = release.fields;
  if (!distributionMatches(opts.distribution, field(fields, 'Suite'), field(fields, 'Codename'))) {
    const got = `Suite ${field(fields, 'Suite') ?? '(none)'}, Codename ${field(fields, 'Codename') ?? '(none)'}`;
    if (opts.allowDistributionMismatch) {
      warnings.push(`${opts.url} is a Release of another distribution (${got}; expected ${opts.distribution}): mirrored anyway (allowDistributionMismatch)`);
    } else {
      errors.push(`${opts.url} is a Release of another distribution (${got}; expected ${opts.distribution}), e.g. an old release served in its place: apt warns "Conflicting distribution"; set allowDistributionMismatch if this repository really does this`);
    }
  }
  return { errors, warnings };
}

/** apt refuses a Release without a strong hash as weak security information. */
function hashProblems(release: ReleaseInfo, url: string): string[] {
  if ([...release.files.values()].some(f => f.sha256)) return [];
  const weak = ['MD5Sum', 'SHA1'].filter(n => field(release.fields, n));
  return [`${url} lists no SHA256 hashes${weak.length ? ` (only ${weak.join(' and ')})` : ''}: apt refuses it as weak security information; the upstream must publish SHA256 sums`];
}

/** An expired Valid-Until (a stale or replayed Release) and a Date in the future. */
function dateProblems(release: ReleaseInfo, url: string, nowMs: number): string[] {
  const errors: string[] = [];
  const validUntil = field(release.fields, 'Valid-Until');
  if (validUntil !== undefined) {
    const t = parseDate(validUntil);
    if (t === undefined) {
      errors.push(`${url} has an invalid Valid-Until ${JSON.stringify(validUntil)}: apt refuses it too`);
    } else if (nowMs > t) {
      errors.push(`${url} expired on ${validUntil} (Valid-Until): a stale or replayed Release, which apt refuses too; wait for the upstream (or the mirror in between) to publish a fresh one`);
    }
  }
  const date = field(release.fields, 'Date');
  const t = date === undefined ? undefined : parseDate(date);
  if (t !== undefined && t - MAX_FUTURE_SECONDS * 1000 > nowMs) {
    errors.push(`${url} is not valid yet: its Date ${date} is in the future (the build's clock says ${new Date(nowMs).toUTCString()}); check this machine's clock, or the upstream's`);
  }
  return errors;
}

/** apt's metaIndex::CheckDist: the requested distribution (or its part before the last '/') is the Suite or the Codename; flat `./` matches anything. */
export function distributionMatches(distribution: string, suite: string | undefined, codename: string | undefined): boolean {
  const is = (d: string) => d === '' || d === suite || d === codename;
  if (is(distribution)) return true;
  let d = distribution === '../project/experimental' ? 'experimental' : distribution;
  const slash = d.lastIndexOf('/');
  if (slash >= 0) d = d.slice(0, slash);
  if (d === '.') d = '';
  return is(d);
}

/** An RFC 1123 date as apt reads it (e.g. `Sat, 10 Jun 2023 09:00:00 UTC`), in ms; undefined when unreadable. */
export function parseDate(text: string): number | undefined {
  const t = Date.parse(text.replace(/\bUTC$/, 'GMT'));
  return Number.isNaN(t) ? undefined : t;
}
