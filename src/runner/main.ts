// The build that the Job's mirror step runs (bundled into build-runner.js, see docs/build-contract.md):
// sources mirrored in parallel through a loopback cache, dependencies closed and gated per world,
// published signed, merged, judged by dose-debcheck, and moved to public/ only when all of it worked.
import * as fs from 'fs';
import * as path from 'path';
import { publishSource } from './aptly/publish';
import { BuildConfig, readBuildConfig, SourceConfig } from './build-json-reader';
import { BuildRun } from './build-run';
import { keepPreviousPool } from './history/keep-pool';
import { writeManifest } from './history/manifest';
import { checkPackageVersions, checkReleaseDate, loadPreviousBuild, PreviousBuild, previousManifestSetting } from './history/previous-build';
import { rollbackSetting, stageRollback } from './history/rollback';
import { judgeWorld } from './judge';
import { BuildLog, humanBytes } from './log';
import { Fetcher } from './net/fetcher';
import { LocalUpstreamServer } from './net/local-upstream';
import { setupSigning, Signer } from './pgp/release-signer';
import { UpstreamKeys } from './pgp/upstream-key';
import { BuildError, ChildProcesses, Semaphore } from './proc';
import { publishWithRunner } from './published/runner-publish';
import { buildEpoch, finishRelease, releaseDate, SIGNING_CONCURRENCY } from './release-writer';
import { mirrorSource, prepareSource, SourceContext } from './source-mirror';
import { SourceMirror } from './source-state';
import { ReleaseFinisher, StageMerge } from './stage-merge';
import { danglingLinks } from './tree';
import { MAX_FUTURE_SECONDS } from './upstream/release-checks';
import { asDiskFull, WorkspaceRoom } from './workspace-room';
import { closeWorld, worldArchitectures } from './world';
import { BUILD_JSON_FILE } from '../contract/build-json';
import { BUILD_ENV } from '../contract/env';
import { BUILD_PATHS, ROLLBACK_FROM } from '../contract/paths';
import { plural } from '../util/plural';

const env = process.env;
const SOURCES_DIR = env[BUILD_ENV.sourcesDir] ?? BUILD_PATHS.sources;
const BUILD_DIR = env[BUILD_ENV.buildDir] ?? BUILD_PATHS.build;
const SIGNING_DIR = env[BUILD_ENV.signingDir] ?? BUILD_PATHS.signing;
const WORKSPACE = env[BUILD_ENV.workspace] ?? BUILD_PATHS.workspace;
const PUBLIC = path.join(WORKSPACE, 'public');

/** Sources whose keys, indexes and packages are downloaded at once (aptly work is limited by `concurrency`). */
const FETCHING_SOURCES = 8;

const GNUPG_DIR = env[BUILD_ENV.gnupgDir];

async function build(buildRun: BuildRun, log: BuildLog): Promise<void> {
  const config = readBuildConfig(path.join(BUILD_DIR, BUILD_JSON_FILE));
  const { work, stage } = await buildRun.prepare();
  const previous = await loadPreviousBuild(previousManifestSetting(config.previousManifest), log);
  const worlds = groupByWorld(config.sources);
  log.say(`mini-mirror: building ${plural(config.sources.length, 'source')} in ${plural(worlds.size, 'world')} (${[...worlds.keys()].join(', ')}), `
    + `${config.concurrency} at a time, ${config.retries} tries per download, stall timeout ${config.stallTimeoutSeconds}s`);
  // The signing GNUPGHOME holds the decrypted key material while the build runs: on a
  // memory-backed volume when the Job provides one (never on the workspace disk).
  const signingHome = buildRun.signingHomeIn(GNUPG_DIR);
  // The key's unlock (its S2K) runs while keys and Releases are fetched; no package is downloaded
  // before it passed (SourceContext.signingChecked), so a wrong passphrase still fails at once.
  const signing = buildRun.settleBeforeCleanup(log.time('signing', () => setupSigning(config.signing, { signingDir: SIGNING_DIR, home: signingHome }, log, buildRun.procs)));
  signing.catch(() => undefined);
  const rollbackFrom = rollbackSetting(config.rollbackFrom);
  if (rollbackFrom) return rollback({ from: rollbackFrom, stage, previous, signer: await signing, config }, log);
  // The rollback step's copy of an earlier image (a reused workspace claim keeps it): not needed now.
  await fs.promises.rm(path.join(WORKSPACE, path.basename(ROLLBACK_FROM)), { recursive: true, force: true });

  const built = await buildWorlds({ config, worlds, stage, work, previous, signing, procs: buildRun.procs }, log);
  const { mirrors, unavailableRecommends, removed, epoch, signer } = built;
  await writeUnavailableRecommends(stage, unavailableRecommends);
  const dangling = await danglingLinks(stage);
  if (dangling.length) throw new BuildError(`the merged tree has dangling symlinks: ${dangling.slice(0, 5).join(' ')}`);
  log.step(`merged ${plural(mirrors.length, 'source tree')}`);
  await publish({ config, stage, mirrors, previous, signer, removed, epoch }, log);
}

/** A built stage: the build's inputs, its mirrored sources, the served build before it, and the key it is signed with. */
interface BuiltStage {
  readonly config: BuildConfig;
  readonly stage: string;
  readonly mirrors: readonly SourceMirror[];
  readonly previous: PreviousBuild | undefined;
  readonly signer: Signer | undefined;
  /** The removal of the sources' merged trees, done while other worlds build. */
  readonly removed?: Promise<unknown>;
  /** The build's date (`buildDate`): its Releases are dated and signed already. */
  readonly epoch: number;
}

/** Writes the signed stage's manifest and public key, keeps the previous pool, and moves it to public/. */
async function publish(built: BuiltStage, log: BuildLog): Promise<void> {
  const { config, stage, mirrors, previous, signer, epoch } = built;
  log.step(`releases: ${mirrors.length} dated ${releaseDate(epoch)}${config.validForSeconds ? `, valid until ${releaseDate(epoch + config.validForSeconds)}` : ''}${signer ? ', signed' : ''}`);
  const builtAt = new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  // The public key is exported while the manifest is written (gpg reads the signing home only).
  const [packages] = await Promise.all([log.time('manifest', () => writeManifest(stage, mirrors, { ...config, builtAt })), signer && exportPublicKey(signer, stage)]);
  const bytes = [...new Map(packages.map(p => [`${p.prefix}/${p.filename}`, p.size])).values()].reduce((a, b) => a + b, 0);
  log.step(`manifest: ${plural(packages.length, 'package')}`);
  // Before public/ exists: a refused build publishes nothing.
  if (previous) checkPackageVersions(previous, packages, config.sources, log);
  if (previous) await log.time('keep pool', () => keepPreviousPool(stage, previous, previous.location ?? previous.where, log));
  log.say(`done: ${plural(mirrors.length, 'source')}, ${plural(packages.length, 'package')}, ${humanBytes(bytes)} (${bytes} bytes) in ${Math.round(log.elapsedMs / 1000)}s`);
  log.say(log.timingSummary());
  await built.removed;
  await fs.promises.rename(stage, PUBLIC);
  log.say(`published to ${PUBLIC}`);
}

/**
 * One date for the whole build, from its inputs (docs/build-contract.md, "Dates"): every Release
 * and signature, and the manifest's builtAt.
 * (Upstream Dates in the future were refused when each Release was verified.) The previous
 * build's date is a floor too: a client that holds its lists ignores an older Release (DESIGN
 * §9), e.g. after the source with the newest upstream Date was removed.
 * A refresh epoch that is a date counts too: bumping it is how a rebuild of rarely changing
 * upstreams moves its Date (and a validFor's Valid-Until) forward.
 */
function buildDate(built: Omit<BuiltStage, 'epoch'>, log: BuildLog): number {
  const { config, mirrors, previous, signer } = built;
  const previousAt = notInFuture('the previous manifest\'s builtAt', previous?.manifest.builtAt, log);
  let epoch = buildEpoch([...mirrors.map(m => m.release.date), previousAt,
    notInFuture('refreshEpoch', refreshDate(config.refreshEpoch), log)], signer?.keyTime);
  // Other inputs than the served build's but its very Date (the key's time, say): apt keeps the
  // lists it holds for an equal Date, so this build is one second later (still only from inputs).
  if (previousAt && previous?.manifest.buildIdentity !== config.buildIdentity && epoch === buildEpoch([previousAt])) epoch += 1;
  return epoch;
}

/** A rollback instead of a build: the old tree re-dated and re-signed, the served build's pool kept (rollback.ts). */
async function rollback(r: { from: string; stage: string; previous: PreviousBuild | undefined; signer: Signer | undefined; config: BuildConfig },
  log: BuildLog): Promise<void> {
  const { from, stage, previous, signer, config } = r;
  log.say(`mini-mirror: rolling back to ${from}: its packages as they were, nothing mirrored`);
  const done = await log.time('signing', () => stageRollback({ from, stage, previous }, {
    signer, validForSeconds: config.validForSeconds ?? undefined, contentHash: config.contentHash, buildIdentity: config.buildIdentity,
  }, log));
  if (signer) await exportPublicKey(signer, stage);
  await log.time('keep pool', () => keepPreviousPool(stage, previous!, previous!.location ?? previous!.where, log));
  log.say(`done: rollback to ${from}, ${plural(done.packages, 'package')}, dated ${done.builtAt}`);
  await fs.promises.rename(stage, PUBLIC);
  log.say(`published to ${PUBLIC}`);
}

/** What building the worlds reads: the build's inputs, its stage and work directory, the served build, the release key, the build's processes. */
interface WorldsInput {
  readonly config: BuildConfig;
  readonly worlds: Map<string, number[]>;
  readonly stage: string;
  readonly work: string;
  readonly previous?: PreviousBuild;
  /** The release key, once unlocked and checked; undefined: unsigned. */
  readonly signing: Promise<Signer | undefined>;
  readonly procs: ChildProcesses;
}

/** Built worlds: merged into the stage, dated `epoch` and signed; their sources' trees being `removed`. */
interface BuiltWorlds {
  readonly mirrors: SourceMirror[];
  readonly unavailableRecommends: Map<string, string[]>;
  readonly removed: Promise<unknown>;
  readonly epoch: number;
  readonly signer: Signer | undefined;
}

/**
 * Mirrors every source through the loopback cache; each world goes on (closure, publish, merge
 * into the stage, judge, its Releases dated and signed) as soon as its own sources are mirrored,
 * while other worlds still download.
 */
async function buildWorlds(b: WorldsInput, log: BuildLog): Promise<BuiltWorlds> {
  const { config, worlds, stage, work: workDir, previous, signing, procs } = b;
  const unavailableRecommends = new Map<string, string[]>();
  const fetcher = new Fetcher({ retries: config.retries, stallSeconds: config.stallTimeoutSeconds }, log, procs);
  const prepared = config.sources.map((s, i) => prepareSource(s, i, workDir, fetcher));
  const server = await LocalUpstreamServer.start(prepared.map(p => p.cache));
  try {
    const ctx = sourceContext(b, { fetcher, server }, log);
    const pending = config.sources.map((s, i) => mirrorSource(s, i, prepared[i].cache, ctx));
    // The build's date needs every source mirrored (their verified Releases), not published: each
    // world's Releases are then dated and signed as soon as it is published, while others still build.
    const dated = Promise.all([Promise.all(pending), signing])
      .then(([mirrors, signer]) => buildDate({ config, stage, mirrors, previous, signer }, log));
    const merge = new StageMerge(stage, releaseFinisher({ dated, signing, validForSeconds: config.validForSeconds ?? undefined }, log));
    const worldsDone = [...worlds].map(async ([world, indexes]) => {
      const sources = await Promise.all(indexes.map(i => pending[i]));
      unavailableRecommends.set(world, await finishWorld(world, sources, ctx, merge));
    });
    // The first failure fails the build (the others are stopped by cleanup).
    [...pending, ...worldsDone, dated].forEach(p => p.catch(() => undefined));
    await Promise.all([...pending, ...worldsDone, signing]);
    return { mirrors: await Promise.all(pending), unavailableRecommends, removed: merge.removed(), epoch: await dated, signer: await signing };
  } finally {
    await server.stop();
  }
}

/** The services every source's mirroring uses: the build's directories, fetcher, loopback server, slots and checks. */
function sourceContext(b: WorldsInput, net: { fetcher: Fetcher; server: LocalUpstreamServer }, log: BuildLog): SourceContext {
  const { fetcher, server } = net;
  const previous = b.previous;
  return {
    sourcesDir: SOURCES_DIR,
    defaultAptlyConf: path.join(BUILD_DIR, 'aptly.conf'),
    workDir: b.work,
    retries: b.config.retries,
    fetcher,
    log,
    procs: b.procs,
    localUrl: (i: number) => server.urlFor(i),
    aptlySlots: new Semaphore(b.config.concurrency),
    // Downloads are network-bound: more sources fetch at once than run aptly.
    fetchSlots: new Semaphore(Math.max(b.config.concurrency, FETCHING_SOURCES)),
    room: new WorkspaceRoom(WORKSPACE, Number(env[BUILD_ENV.workspaceLimitMib]) || undefined),
    keys: new UpstreamKeys(b.work, fetcher, b.procs),
    checkRelease: previous && ((s, release) => checkReleaseDate(previous, s, release, log)),
    signingChecked: signingChecked(b.signing),
  };
}

/**
 * Settles when the key can sign; else rejects with an error of its own: the signing check's
 * failure is the build's, not one of the sources waiting for it (which would be named as failed).
 */
function signingChecked(signing: Promise<unknown>): Promise<void> {
  const checked = signing.then(() => undefined, () => {
    throw new BuildError('stopped: the release signing key cannot sign');
  });
  // Sources await it only when they reach their downloads.
  checked.catch(() => undefined);
  return checked;
}

/** Dates and signs a source's Release once the build's date and key are known, a few at a time (each is two gpg processes). */
function releaseFinisher(r: { dated: Promise<number>; signing: Promise<Signer | undefined>; validForSeconds?: number },
  log: BuildLog): ReleaseFinisher {
  const slots = new Semaphore(SIGNING_CONCURRENCY);
  return async (root, dist) => {
    const [date, signer] = await Promise.all([r.dated, r.signing]);
    await slots.run(() => log.time('signing', () => finishRelease(root, dist, { date, validForSeconds: r.validForSeconds }, signer)));
  };
}

/** A mirrored world: closed over its dependencies, published, judged while it is merged into the stage and signed. */
async function finishWorld(world: string, sources: SourceMirror[], ctx: SourceContext, merge: StageMerge): Promise<string[]> {
  const { log } = ctx;
  const unavailableRecommends = await log.time('closure', () => closeWorld(world, sources, log));
  const archs = worldArchitectures(sources);
  await Promise.all(sources.map(s => s.state.indexedBy === 'runner' ? log.time('publish', () => publishWithRunner(s, archs, { log, procs: ctx.procs }))
    : ctx.aptlySlots.run(() => log.time('publish', () => publishSource(s, archs, log)))));
  await Promise.all([
    log.time('judge', () => judgeWorld(world, sources, ctx)),
    merge.addWorld(sources, log),
  ]);
  if (env[BUILD_ENV.keepWork] !== 'true') merge.remove(sources);
  return unavailableRecommends;
}

/** A refresh epoch of the form YYYY-MM-DD, as a date (midnight UTC); a counter is no date. */
function refreshDate(refreshEpoch: string | null): string | undefined {
  return refreshEpoch && /^\d{4}-\d{2}-\d{2}$/.test(refreshEpoch) ? `${refreshEpoch}T00:00:00Z` : undefined;
}

/** `date`, unless it lies in the future: it would date this build ahead of every later one, and apt refuses a Release "not valid yet". */
function notInFuture(what: string, date: string | undefined, log: BuildLog): string | undefined {
  if (date === undefined || !(Date.parse(date) > Date.now() + MAX_FUTURE_SECONDS * 1000)) return date;
  log.warn(`${what} ${date} lies in the future: not taken as this build's earliest date`);
  return undefined;
}

function groupByWorld(sources: readonly SourceConfig[]): Map<string, number[]> {
  const worlds = new Map<string, number[]>();
  sources.forEach((s, i) => worlds.set(s.world, [...(worlds.get(s.world) ?? []), i]));
  return worlds;
}

/**
 * `recommends-unavailable.txt`: `<world> <package>` per line, the Recommends no upstream of the
 * world has. Clients of the upstreams miss them too; the smoke test does not count them as the
 * mirror's fault.
 */
async function writeUnavailableRecommends(stage: string, byWorld: Map<string, string[]>): Promise<void> {
  const lines = [...byWorld].sort(([a], [b]) => a.localeCompare(b)).flatMap(([world, names]) => names.map(n => `${world} ${n}\n`));
  await fs.promises.writeFile(path.join(stage, 'recommends-unavailable.txt'), lines.join(''));
}

async function exportPublicKey(signer: Signer, stage: string): Promise<void> {
  const r = await signer.procs.run('gpg', ['--batch', '--armor', '--export', signer.fingerprint], { env: { ...process.env, GNUPGHOME: signer.gnupgHome } });
  if (r.code !== 0 || !r.stdout.trim()) throw new BuildError("cannot export the mirror's public key");
  await fs.promises.writeFile(path.join(stage, 'mirror-key.asc'), r.stdout);
}

export async function main(): Promise<void> {
  const log = new BuildLog();
  const buildRun = new BuildRun(WORKSPACE);
  process.on('SIGTERM', () => void buildRun.fail(undefined, 143));
  process.on('SIGINT', () => void buildRun.fail(undefined, 130));
  try {
    await build(buildRun, log);
  } catch (e) {
    // ENOSPC wherever node writes (logs, keyrings, the stage): the full disk's one message.
    await buildRun.fail(await asDiskFull(e, WORKSPACE, buildRun.procs), 1);
  }
  await buildRun.cleanup();
}

if (require.main === module) void main();
