// Our published Release files' final fields, written by the runner (aptly publishes unsigned):
// a Date taken from the inputs, never the clock, so the same inputs give the same bytes, and an
// optional Valid-Until; then every Release is signed (release-signing.ts).
import * as fs from 'fs';
import * as path from 'path';
import { tidyByHash } from './aptly/by-hash';
import { signRelease, Signer } from './pgp/release-signer';
import { BuildError, pool } from './proc';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Releases rewritten and signed at once (each is two short gpg processes). */
export const SIGNING_CONCURRENCY = 4;

/**
 * The build's epoch, in seconds: the newest upstream Release `Date` of the build's sources, or the
 * signing key's own time (creation, newest self-signature) when that is later, since gpg cannot
 * sign "before" the key existed. Deterministic: only inputs (upstream Releases, the key) decide.
 * undefined dates (an upstream Release without Date) are skipped; with none at all and no key,
 * the epoch is 0 (1970), still the same for the same inputs.
 */
export function buildEpoch(upstreamDates: ReadonlyArray<string | undefined>, keyTime = 0): number {
  let epoch = keyTime;
  for (const d of upstreamDates) {
    const ms = d === undefined ? NaN : Date.parse(d);
    if (Number.isFinite(ms)) epoch = Math.max(epoch, Math.floor(ms / 1000));
  }
  return epoch;
}

/** A Release date as aptly writes it (Go's `Mon, 2 Jan 2006 15:04:05 MST`, UTC). */
export function releaseDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} `
    + `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

export interface ReleaseTimes {
  /** The Release's Date, seconds since the epoch. */
  readonly date: number;
  /** Valid-Until = date + validForSeconds; undefined: no Valid-Until. */
  readonly validForSeconds?: number;
  /** The build's clock, ms since the epoch (an expired Valid-Until is refused). @default Date.now() */
  readonly nowMs?: number;
}

/**
 * `release` with its Date replaced and Valid-Until set (right after Date, where Debian puts it) or
 * removed. Only these lines change: the index hashes aptly wrote stay valid.
 */
export function rewriteRelease(release: string, times: ReleaseTimes): string {
  const lines = release.split('\n').filter(l => !/^Valid-Until:/i.test(l));
  const at = lines.findIndex(l => /^Date:/i.test(l));
  if (at < 0) throw new BuildError('the Release aptly published has no Date field: cannot set the build\'s date');
  const fields = [`Date: ${releaseDate(times.date)}`];
  if (times.validForSeconds !== undefined) fields.push(`Valid-Until: ${releaseDate(times.date + times.validForSeconds)}`);
  lines.splice(at, 1, ...fields);
  return lines.join('\n');
}

/**
 * Writes the final Release of each published distribution (`<stage>/<prefix>/dists/<dist>/Release`)
 * and signs it with `signer` (InRelease, Release.gpg) at the Release's Date; unsigned: only the
 * Release. Fails when Valid-Until is already past: such a mirror would be refused by every client.
 */
export async function finishReleases(stage: string, dists: readonly PublishedDist[],
  times: ReleaseTimes, signer: Signer | undefined): Promise<void> {
  checkNotExpired(times);
  await pool(dists, SIGNING_CONCURRENCY, async dist => {
    await tidyByHash(distDir(stage, dist));
    await finishRelease(stage, dist, times, signer);
  });
}

/** A published distribution: `<prefix>/dists/<distribution>`. */
export interface PublishedDist {
  readonly prefix: string;
  readonly distribution: string;
}

/** `<root>/<prefix>/dists/<distribution>`. */
export function distDir(root: string, dist: PublishedDist): string {
  return path.join(root, dist.prefix, 'dists', dist.distribution);
}

/** finishReleases for one distribution whose by-hash directories are tidied already. */
export async function finishRelease(root: string, dist: PublishedDist, times: ReleaseTimes, signer: Signer | undefined): Promise<void> {
  checkNotExpired(times);
  const dir = distDir(root, dist);
  const file = path.join(dir, 'Release');
  const text = await fs.promises.readFile(file, 'utf8').catch(() => {
    throw new BuildError(`${dist.prefix}/dists/${dist.distribution}: aptly published no Release`);
  });
  // A new file, not written in place: the Release may be a hard link of another tree's.
  const tmp = `${file}.tmp`;
  await fs.promises.writeFile(tmp, rewriteRelease(text, times));
  await fs.promises.rename(tmp, file);
  if (signer) await signRelease(signer, dir, times.date);
}

/** Fails when Valid-Until is already past: such a mirror would be refused by every client. */
function checkNotExpired(times: ReleaseTimes): void {
  if (times.validForSeconds !== undefined && (times.date + times.validForSeconds) * 1000 <= (times.nowMs ?? Date.now())) {
    throw new BuildError('the published Releases would be expired already: their Date is the newest upstream Release Date or the signing key\'s time '
      + `(${releaseDate(times.date)}), so validFor (${times.validForSeconds}s) ends at ${releaseDate(times.date + times.validForSeconds)}: `
      + 'set validFor longer than the age of the upstream Releases, or mirror an upstream that publishes more often');
  }
}
