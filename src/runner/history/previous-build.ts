// The previous build's manifest.json is the build's memory: an upstream Release older than the one
// mirrored last time, or a package version that went down, is a replayed or frozen upstream (an
// attacker, or a stale mirror) unless the source allows it (`allowDowngrade`). Without this check
// the old content would be republished with a fresh Date and our signature, and clients would
// take it.
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { SourceConfig } from '../build-json-reader';
import { BuildLog } from '../log';
import { previousUpstreamAt, publishedPlace, worldDowngrades } from './manifest-compare';
import { BUILD_ENV } from '../../contract/env';
import { plural } from '../../util/plural';
import { publicUrl } from '../../util/public-url';
import { ReleaseInfo } from '../deb/release-info';
import { BuildError } from '../proc';

/** What the check needs of a previous manifest (docs/build-contract.md, "Result"). */
export interface PreviousManifest {
  readonly upstreams: ReadonlyArray<{
    prefix: string; name: string; url: string; distribution: string; publishedAs?: string; world?: string; releaseDate: string | null;
  }>;
  readonly packages: ReadonlyArray<{ prefix: string; distribution: string; component: string; name: string; version: string; architecture: string }>;
  /** The previous build's date (its Releases' Date), when it recorded one. */
  readonly builtAt?: string;
  /** The previous build's identity, when it recorded one. */
  readonly buildIdentity?: string;
}

/** A previous build that was found: its manifest and where it was read. */
export interface PreviousBuild {
  readonly where: string;
  readonly manifest: PreviousManifest;
  /** Where it was read, unredacted (URL or file): its mirror's pool files are next to it. */
  readonly location?: string;
}

/** Larger than any real manifest (a package is about 300 bytes); a bound against a hostile server. */
const MAX_BYTES = 512 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

/** The setting the runner honours: the environment (a host build) overrides build.json. */
export function previousManifestSetting(fromConfig: string | null): string | null {
  const fromEnv = process.env[BUILD_ENV.previousManifest];
  if (fromEnv !== undefined) return fromEnv.trim() === '' ? null : fromEnv.trim();
  return fromConfig;
}

/**
 * Reads the previous manifest from a URL or a file. An unreachable server (connection refused)
 * or a 404 means there was no previous build; any other failure fails the build, because a
 * check that silently does not run is no check.
 */
export async function loadPreviousBuild(setting: string | null, log: BuildLog): Promise<PreviousBuild | undefined> {
  if (setting === null) {
    log.warn('no previous build is compared: a replayed or frozen upstream and packages that went down are not detected, and this build\'s '
      + 'Date has no floor (on a host: mini-mirror build --previous-manifest FILE|URL, e.g. the manifest.json the mirror serves)');
    return undefined;
  }
  const where = displayUrl(setting);
  let text: string;
  if (/^https?:\/\//i.test(setting)) {
    const got = await httpGet(setting, where);
    if (got === undefined) {
      log.say(`no previous manifest at ${where}: first build, nothing to compare`);
      return undefined;
    }
    text = got;
  } else {
    try {
      text = await fs.promises.readFile(setting, 'utf8');
    } catch (e) {
      throw new BuildError(`cannot read the previous manifest ${setting}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}: give the manifest.json of the previous build, or none`);
    }
  }
  const manifest = parsePreviousManifest(text, where);
  log.say(`previous build: ${where} (${plural(manifest.upstreams.length, 'upstream')}, ${plural(manifest.packages.length, 'package')}): refusing downgrades`);
  return { where, manifest, location: setting };
}

/** Checks a manifest's shape: an unreadable memory fails the build rather than disabling the check. */
export function parsePreviousManifest(text: string, where: string): PreviousManifest {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new BuildError(`the previous manifest at ${where} is not JSON (${(e as Error).message}): it must be the manifest.json a build wrote`);
  }
  const strings = (o: any, keys: string[]) => o && typeof o === 'object' && keys.every(k => typeof o[k] === 'string');
  if (!data || !Array.isArray(data.packages) || !Array.isArray(data.upstreams)
    || !data.packages.every((p: any) => strings(p, ['prefix', 'distribution', 'component', 'name', 'version', 'architecture']))
    || !data.upstreams.every((u: any) => strings(u, ['prefix', 'name', 'url', 'distribution']) && (u.releaseDate === null || u.releaseDate === undefined || typeof u.releaseDate === 'string'))) {
    throw new BuildError(`the previous manifest at ${where} is not a mini-mirror manifest (upstreams and packages with their fields): it must be the manifest.json a build wrote`);
  }
  return {
    upstreams: data.upstreams.map((u: any) => ({ ...u, releaseDate: u.releaseDate ?? null })),
    packages: data.packages,
    builtAt: typeof data.builtAt === 'string' ? data.builtAt : undefined,
    buildIdentity: typeof data.buildIdentity === 'string' ? data.buildIdentity : undefined,
  };
}

const ALLOW = 'set allowDowngrade on the source (YAML allow_downgrade: true; mini-mirror --allow-downgrade <source id>) only if you mean to go back';

/**
 * Refuses an upstream Release whose Date is older than the one the previous build published at the
 * same place (prefix and published distribution: what clients name, however the source is called
 * or wherever it is mirrored from now); with `allowDowngrade`, warns. Run right after the Release
 * is verified, before any package is downloaded.
 */
export function checkReleaseDate(previous: PreviousBuild, source: SourceConfig, release: ReleaseInfo, log: BuildLog): void {
  const id = `${source.prefix}/${source.name}`;
  const url = publicUrl(source.url);
  const before = previousUpstreamAt(previous.manifest, source.prefix, source.publishDistribution);
  if (!before?.releaseDate) return;
  const oldUrl = publicUrl(before.url ?? '');
  if (oldUrl !== url || before.distribution !== source.distribution) {
    log.warn(`${id}: ${source.prefix}/dists/${source.publishDistribution} was mirrored from ${oldUrl} ${before.distribution} last time, now from ${url} ${source.distribution}: its Release must still not be older`);
  }
  const oldTime = Date.parse(before.releaseDate);
  const newTime = release.date === undefined ? NaN : Date.parse(release.date);
  if (Number.isNaN(oldTime) || Number.isNaN(newTime)) {
    log.warn(`${id}: cannot compare upstream Release dates (previous ${JSON.stringify(before.releaseDate)}, now ${JSON.stringify(release.date ?? null)})`);
    return;
  }
  if (newTime >= oldTime) return;
  const what = `${id}: the upstream Release of ${url} ${source.distribution} is dated ${release.date}, older than the one the previous build mirrored (${before.releaseDate})`;
  if (source.allowDowngrade) {
    log.warn(`${what}; going on because the source sets allowDowngrade`);
    return;
  }
  throw new BuildError(`${what}: a replayed or frozen upstream Release; nothing was published. ${ALLOW}`);
}

/** One package whose version went down. */
export interface Downgrade {
  readonly source: string;
  readonly key: string;
  readonly oldVersion: string;
  readonly newVersion: string;
  readonly allowed: boolean;
}

/**
 * Packages whose newest version in their world went down since the previous build (as a client of
 * the world sees it: a security fix withdrawn by a stale pocket is one). A package that is gone
 * from the world is a removal, not a downgrade. Allowed when a source that publishes it now sets
 * allowDowngrade.
 */
export function findDowngrades(previous: PreviousManifest, packages: PreviousManifest['packages'], sources: readonly SourceConfig[]): Downgrade[] {
  const now = {
    upstreams: sources.map(s => ({ prefix: s.prefix, distribution: s.distribution, publishedAs: s.publishDistribution, world: s.world })),
    packages,
  };
  return worldDowngrades(previous, now).map(d => {
    const holders = sources.filter(s => d.places.includes(publishedPlace(s.prefix, s.publishDistribution)));
    return {
      source: holders.map(s => `${s.prefix}/${s.name}`).join(', ') || d.places.join(', '),
      key: `${d.name} ${d.architecture} (world ${d.world}: ${d.places.join(', ')})`,
      oldVersion: d.oldVersion,
      newVersion: d.newVersion,
      allowed: holders.some(s => s.allowDowngrade),
    };
  });
}

/** Refuses the build when a package version went down in a source that does not allow it; warns for the others. */
export function checkPackageVersions(previous: PreviousBuild, packages: PreviousManifest['packages'], sources: readonly SourceConfig[], log: BuildLog): void {
  const downgrades = findDowngrades(previous.manifest, packages, sources);
  for (const d of downgrades.filter(x => x.allowed)) {
    log.warn(`${d.source}: package ${d.key} went down from ${d.oldVersion} to ${d.newVersion}; going on because the source sets allowDowngrade`);
  }
  const refused = downgrades.filter(x => !x.allowed);
  if (!refused.length) {
    log.step(`no package version went down since the previous build (${previous.where})`);
    return;
  }
  const shown = refused.slice(0, 20).map(d => `${d.source}: ${d.key} ${d.oldVersion} -> ${d.newVersion}`);
  const more = refused.length > shown.length ? [`... and ${refused.length - shown.length} more`] : [];
  const sourcesHit = [...new Set(refused.map(d => d.source))].join(', ');
  throw new BuildError(`${plural(refused.length, 'package version')} went down since the previous build (${previous.where}) in ${sourcesHit}: `
    + `${refused.slice(0, 3).map(d => `${d.key} ${d.oldVersion} -> ${d.newVersion}`).join(', ')}${refused.length > 3 ? ', ...' : ''}: `
    + `a replayed or frozen upstream; nothing was published. ${ALLOW}`, [...shown, ...more].join('\n'));
}

function displayUrl(setting: string): string {
  return /^https?:\/\//i.test(setting) ? publicUrl(setting) : setting;
}

/** The body of a 200; undefined for connection refused or 404; throws on anything else. */
function httpGet(url: string, where: string): Promise<string | undefined> {
  const fail = (why: string) => new BuildError(`cannot read the previous manifest at ${where}: ${why}; `
    + 'the downgrade check needs it (set the previousManifest build option to another URL, or PreviousManifest.none() to build without the check)');
  return new Promise((resolve, reject) => {
    const get = url.toLowerCase().startsWith('https:') ? https.get : http.get;
    const req = get(url, { timeout: TIMEOUT_MS, headers: { accept: 'application/json' } }, res => {
      const status = res.statusCode ?? 0;
      if (status === 404) {
        res.resume();
        resolve(undefined);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(fail(`HTTP ${status}${res.headers.location ? ` (redirect to ${displayUrl(String(res.headers.location))}, not followed)` : ''}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy(new Error(`larger than ${MAX_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', e => reject(fail(e.message)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') resolve(undefined);
      else reject(fail(e.code ? `${e.code} ${e.message}` : e.message));
    });
  });
}
