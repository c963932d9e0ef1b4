// One source, first pass: upstream key, Release checks, upstream indexes, aptly mirrors of the
// requested packages (with aptly's own dependency closure inside each component), query check.
import * as fs from 'fs';
import * as path from 'path';
import { Aptly, createMirrorArgs, filterChunks, MirrorSpec, packageKeysArgs, parsePackageKeys, updateMirrorArgs } from './aptly/aptly';
import { readUserAptlyConfig, writeAptlyConfig } from './aptly/aptly-conf';
import { SourceConfig } from './build-json-reader';
import { NameIndex } from './deb/name-index';
import { IndexEntry, indexPath, totalSize } from './deb/packages-index';
import { ReleaseInfo, releaseBase } from './deb/release-info';
import { BuildLog, humanBytes } from './log';
import { Fetcher, UpstreamCache } from './net/fetcher';
import { prefetch, PREFETCH_CONCURRENCY } from './net/prefetch';
import { importUpstreamKey, TrustedKeys, UpstreamKeys } from './pgp/upstream-key';
import { BuildError, ChildProcesses, Semaphore } from './proc';
import { runnerCanIndex } from './published/runner-publish';
import { checkQueries, checkQueryBreadth, readQueries } from './query-check';
import { MirrorState, SourceMirror, SourceServices } from './source-state';
import { IndexLayout, serveSubset, SubsetIndex } from './subset-index';
import { FollowedRelations, followedRelations, MirrorPlan, planSource } from './subset-plan';
import { loadUpstream } from './upstream/indexes';
import { checkArchitectures, checkComponents, PublishedComponent } from './upstream/offer-checks';
import { fetchRelease } from './upstream/release';
import { WorkspaceRoom } from './workspace-room';
import { plural } from '../util/plural';

export type { SourceMirror } from './source-state';

export interface SourceContext {
  readonly sourcesDir: string;
  readonly defaultAptlyConf: string;
  readonly workDir: string;
  readonly retries: number;
  readonly fetcher: Fetcher;
  readonly log: BuildLog;
  /** The build's child processes: every tool a source runs is one of them. */
  readonly procs: ChildProcesses;
  /** The loopback URL aptly reads source `index` from. */
  readonly localUrl: (index: number) => string;
  /** Sources whose aptly work runs at once (`concurrency`); downloads of others go on meanwhile. */
  readonly aptlySlots: Semaphore;
  /** Sources whose keys, indexes and packages download at once. */
  readonly fetchSlots: Semaphore;
  /** Room on the workspace, granted to sources before they download. */
  readonly room: WorkspaceRoom;
  /** Upstream keys by key_url, fetched and imported once. */
  readonly keys: UpstreamKeys;
  /** Checks a verified Release before anything else is downloaded (the downgrade check). */
  readonly checkRelease?: (config: SourceConfig, release: ReleaseInfo) => void;
  /** Settles when the release key is unlocked and can sign (rejects when it cannot): packages download only after. */
  readonly signingChecked: Promise<unknown>;
}

export function prepareSource(config: SourceConfig, index: number, workDir: string, fetcher: Fetcher): { cache: UpstreamCache; work: string } {
  const work = path.join(workDir, `s${index}`);
  fs.mkdirSync(path.join(work, 'gnupg'), { recursive: true, mode: 0o700 });
  const cache = new UpstreamCache(config.url, path.join(work, 'cache'), fetcher, `${config.prefix}/${config.name}`);
  return { cache, work };
}

export async function mirrorSource(config: SourceConfig, index: number, cache: UpstreamCache, ctx: SourceContext): Promise<SourceMirror> {
  try {
    return await mirrorOne(config, index, cache, ctx);
  } catch (e) {
    if (e instanceof BuildError) e.source ??= { id: `${config.prefix}/${config.name}`, logFile: path.join(ctx.workDir, `s${index}`, 'log') };
    throw e;
  }
}

/**
 * A source: its downloads while a fetch slot is free (many sources at once), then its aptly work
 * while an aptly slot is (`concurrency`); the fetch slot goes to the next source meanwhile.
 */
async function mirrorOne(config: SourceConfig, index: number, cache: UpstreamCache, ctx: SourceContext): Promise<SourceMirror> {
  const fetched = await ctx.fetchSlots.run(() => fetchSource(config, index, cache, ctx));
  if (fetched.chosen) {
    const state: MirrorState = { mirrors: componentsOnly(fetched.components), mirrorKeys: new Map(), mirrored: fetched.chosen, requested: [], indexedBy: 'runner' };
    return mirroredSource({ ...fetched, config, index, cache, ctx }, state);
  }
  return ctx.aptlySlots.run(() => ctx.log.time('aptly mirror', () => mirrorWithAptly({ ...fetched, config, index, cache, ctx })));
}

/** The published components of a source the runner indexes, each without aptly mirrors. */
function componentsOnly(components: readonly PublishedComponent[]): Map<string, string[]> {
  return new Map((components.length ? components.map(c => c.name) : ['main']).map(c => [c, []]));
}

/** What a source's downloads found: upstream's Release and indexes, and the aptly mirrors to make. */
interface FetchedSource {
  readonly id: string;
  readonly work: string;
  readonly aptly: Aptly;
  readonly jobs: Array<{ c: PublishedComponent; j: number; k: number; filter: string; withDeps: boolean }>;
  readonly queries: string[];
  readonly release: ReleaseInfo;
  readonly components: PublishedComponent[];
  readonly mirrorArchitectures: string[];
  readonly upstream: IndexEntry[];
  /** The index aptly reads when the runner chose the packages and aptly indexes them. */
  readonly subset?: SubsetIndex;
  /** The packages the runner chose, downloaded and verified, when it indexes them itself (no aptly). */
  readonly chosen?: IndexEntry[];
}

/** Key, Release, indexes and packages of a source, verified, and in aptly's pool when aptly mirrors them. */
async function fetchSource(config: SourceConfig, index: number, cache: UpstreamCache, ctx: SourceContext): Promise<FetchedSource> {
  const id = `${config.prefix}/${config.name}`;
  const work = path.join(ctx.workDir, `s${index}`);
  const gnupgHome = path.join(work, 'gnupg');
  const dir = path.join(ctx.sourcesDir, config.prefix, config.name);
  const queries = await readQueries(path.join(dir, 'packages.txt'), id);

  const userConf = await readUserAptlyConfig(path.join(dir, 'aptly.conf'), ctx.defaultAptlyConf, id);
  // A downloadConcurrency the user set (to spare an upstream) limits our downloads too.
  const limited = typeof userConf.downloadConcurrency === 'number' && userConf.downloadConcurrency >= 1;
  const concurrency = limited ? Math.floor(userConf.downloadConcurrency as number) : PREFETCH_CONCURRENCY;
  // Without a pin, the Release (and, unless downloads are limited, the indexes it most likely
  // lists) download while the key is checked; with one, nothing before the key matches it.
  if (!config.fingerprints.length) speculate(config, cache, !limited);
  const keyring = await upstreamKeyring(config, dir, ctx);
  const release = await verifiedRelease(config, cache, keyring, ctx);
  const components = checkComponents(config, release, id);
  const mirrorArchitectures = checkArchitectures(config, release, id);

  // Upstream indexes, read once: what every query can match and every dependency can come from.
  const upstream = await ctx.log.time('indexes', () => loadUpstream({ cache, release, index, components, archs: mirrorArchitectures, verify: config.verify, id, procs: ctx.procs }));
  const names = NameIndex.of(upstream);
  checkQueryBreadth(queries, names, id, config.allowBroadQueries);
  // Packages download many at a time, before aptly (when it mirrors them) asks: aptly then reads
  // from the loopback cache, and a stalled download is retried here without aptly timing out on it.
  const aptlyConf = path.join(work, 'aptly.conf');
  await writeAptlyConfig(aptlyConf, userConf, { rootDir: path.join(work, 'root'), archs: mirrorArchitectures, verify: config.verify, recommends: config.recommends });
  const aptly = new Aptly(aptlyConf, gnupgHome, path.join(work, 'log'), ctx.procs);
  const where = { info: release, components: components.map(c => c.name), archs: mirrorArchitectures };
  const follow = followedRelations(userConf, config.recommends);
  const { plan, subset, chosen } = await planAndServe({ cache, names, queries, follow, where, runner: runnerCanIndex(userConf) });
  const jobs = chosen ? [] : mirrorJobs(plan?.refs ?? queries, components, !plan?.refs);
  await ctx.signingChecked;
  const upstreamIndex = plan ? NameIndex.of(plan.universe) : names;
  const job = { upstream: upstreamIndex, queries, archs: mirrorArchitectures, recommends: config.recommends, cache, concurrency, id };
  const verified = chosen && { entries: chosen, retries: ctx.retries };
  await ctx.log.time('download', () => prefetch({ ...job, poolDir: path.join(work, 'root', 'pool'), verified }, ctx));
  return { id, work, aptly, jobs, queries, release, components, mirrorArchitectures, upstream, subset, chosen };
}

/**
 * The packages the runner chose (subset-plan.ts): indexed by the runner itself when it chose them
 * exactly and the aptly config asks for nothing only aptly writes (`runner`), else served to
 * aptly as a subset index; no plan (aptly resolves from the whole index) when a query or the
 * aptly config needs aptly's own resolver.
 */
async function planAndServe(o: {
  cache: UpstreamCache; names: NameIndex; queries: string[]; follow?: FollowedRelations; where: IndexLayout; runner: boolean;
}):
  Promise<{ plan?: MirrorPlan; subset?: SubsetIndex; chosen?: IndexEntry[] }> {
  const plan = planSource({ upstream: o.names, queries: o.queries, archs: o.where.archs, follow: o.follow });
  if (!plan) return {};
  // In upstream order, as aptly's mirrors list them.
  if (plan.refs && o.runner) return { plan, chosen: plan.universe.filter(e => plan.entries.has(e)) };
  const subset = await serveSubset({ cache: o.cache, upstream: o.names.entries, entries: plan.entries, where: o.where });
  return { plan, subset };
}

/** The source's Release, verified with its keyring and checked (the downgrade check); the cache's from now on. */
async function verifiedRelease(config: SourceConfig, cache: UpstreamCache, keyring: TrustedKeys | undefined, ctx: SourceContext)
  : Promise<ReleaseInfo> {
  const { log, procs } = ctx;
  const release = await log.time('indexes', () => fetchRelease({
    cache, distribution: config.distribution, keyring, what: `${config.prefix}/${config.name}`, log, procs, allowDistributionMismatch: config.allowDistributionMismatch,
  }));
  ctx.checkRelease?.(config, release);
  cache.release = release;
  return release;
}

/** The keys upstream's Release must be signed with; none (and a loud warning) when the source does not verify. */
async function upstreamKeyring(config: SourceConfig, dir: string, ctx: SourceContext): Promise<TrustedKeys | undefined> {
  const id = `${config.prefix}/${config.name}`;
  if (config.verify) {
    const keyUrl = config.keyFile ? { file: path.join(dir, config.keyFile) } : config.keyUrl!;
    return ctx.log.time('keys', () => importUpstreamKey({ what: id, keyUrl, pins: config.fingerprints, keys: ctx.keys, log: ctx.log }));
  }
  ctx.log.warn('**********************************************************************');
  ctx.log.warn(`${id}: upstream signature verification is DISABLED (verify: false).`);
  ctx.log.warn(`${id}: packages from ${config.url} are mirrored without any authenticity check.`);
  ctx.log.warn('**********************************************************************');
  return undefined;
}

/** The aptly mirrors to make: one per component (or `main` of a flat repository) and chunk of the filter. */
function mirrorJobs(filters: readonly string[], components: readonly PublishedComponent[], withDeps: boolean): FetchedSource['jobs'] {
  const chunks = filterChunks([...filters]);
  const flat = components.length === 0;
  return (flat ? [{ name: 'main', force: false }] : components).flatMap((c, j) => chunks.map((filter, k) => ({ c, j, k, filter, withDeps })));
}

/**
 * Starts downloading what the source will read first: the InRelease, and each component's
 * `Packages.gz` for the configured architectures (what archives publish and aptly prefers, unless
 * the Release lists a `.bz2`). Nothing is trusted from them before the Release is verified and its
 * SHA256 checked; a guess the Release does not list costs one request.
 */
function speculate(config: SourceConfig, cache: UpstreamCache, indexes: boolean): void {
  const base = releaseBase(config.distribution);
  const guesses = [`${base}InRelease`];
  if (indexes && config.components.length > 0 && config.architectures) {
    for (const c of config.components) {
      for (const a of config.architectures) guesses.push(`${base}${indexPath(c, a)}.gz`);
    }
  }
  cache.speculateAll(guesses);
}

/** What making a source's aptly mirrors goes through: its aptly, its cache (why a download failed), the log. */
type MirrorServices = Pick<SourceServices, 'aptly' | 'cache' | 'log'>;

/** One aptly step of a source's mirroring, and how to run it alone when the task stopped before it. */
interface MirrorStep {
  readonly args: string[];
  readonly alone: () => Promise<void>;
  readonly output?: (output: string) => void;
}

/**
 * Creates, updates and lists every aptly mirror of a source in one aptly process. When a step
 * fails there, it and the steps after it run one by one: with the retries of `updateMirror`, an
 * empty mirror's "no results", and each step's own error message.
 */
async function createAndUpdate(services: MirrorServices, mirrors: Array<{ spec: MirrorSpec; what: string }>, id: string)
  : Promise<Map<string, string[]>> {
  const { aptly } = services;
  const keys = new Map<string, string[]>();
  const steps: MirrorStep[] = [
    ...mirrors.flatMap(({ spec, what }) => [
      { args: createMirrorArgs(spec), alone: () => aptly.createMirror(spec, `${what}: mirror create failed`) },
      { args: updateMirrorArgs(spec.name, spec.retries), alone: () => updateMirror(services, { mirror: spec.name, retries: spec.retries, what }) },
    ]),
    ...mirrors.map(({ spec }) => ({
      args: packageKeysArgs(spec.name),
      alone: async () => void keys.set(spec.name, await aptly.packageKeys(spec.name, `${id}: cannot list mirror ${spec.name}`)),
      output: (output: string) => void keys.set(spec.name, parsePackageKeys(output)),
    })),
  ];
  const r = await aptly.task(steps.map(s => s.args), `${id}: aptly failed`);
  r.outputs.forEach((output, i) => steps[i].output?.(output));
  for (const step of steps.slice(r.completed)) await step.alone();
  return keys;
}

/** A fetched source's aptly mirrors, made and read back, and its query check. */
async function mirrorWithAptly(o: FetchedSource & { config: SourceConfig; index: number; cache: UpstreamCache; ctx: SourceContext }):
Promise<SourceMirror> {
  const { config, index, id, jobs, ctx, components } = o;
  // aptly mirrors by published component, in the order they were created.
  const mirrors = new Map<string, string[]>();
  for (const { c, j, k } of jobs) mirrors.set(c.name, [...mirrors.get(c.name) ?? [], `m${j}c${k}`]);
  const flat = components.length === 0;
  const services = servicesOf(o);
  const keys = await createAndUpdate(services, jobs.map(({ c, j, k, filter, withDeps }) => ({
    what: `${id} ${c.name}`,
    spec: {
      name: `m${j}c${k}`,
      url: ctx.localUrl(index),
      distribution: config.distribution,
      component: flat ? undefined : c.name,
      force: c.force,
      filter,
      withDeps,
      retries: ctx.retries,
    },
  })), id);

  const state: MirrorState = { mirrors, mirrorKeys: keys, mirrored: [], requested: [], subset: o.subset, indexedBy: 'aptly' };
  return mirroredSource(o, state, source => setMirrored(source));
}

/** The tools a fetched source's aptly work and checks go through. */
function servicesOf(o: FetchedSource & { index: number; cache: UpstreamCache; ctx: SourceContext }): SourceServices {
  return { aptly: o.aptly, cache: o.cache, aptlyUrl: o.ctx.localUrl(o.index), retries: o.ctx.retries, log: o.ctx.log };
}

/** A mirrored source (its packages in `state`, or set by `settle`), its queries checked. */
async function mirroredSource(o: FetchedSource & { config: SourceConfig; index: number; cache: UpstreamCache; ctx: SourceContext },
  state: MirrorState, settle?: (source: SourceMirror) => void): Promise<SourceMirror> {
  const { config, index, id, work, ctx, queries, release, components, mirrorArchitectures, upstream } = o;
  const { mirrors } = state;
  const services = servicesOf(o);
  const source: SourceMirror = { index, config, id, work, release, mirrorArchitectures, components, upstream, queries, services, state };
  settle?.(source);
  await ctx.log.time('query check', () => checkQueries(source));
  const bytes = totalSize(state.mirrored);
  ctx.log.step(`${id}: ${plural(state.mirrored.length, 'package')}, ${humanBytes(bytes)} (${[...mirrors.keys()].join(', ')}; ${mirrorArchitectures.join(', ')})`);
  return source;
}

/** `aptly mirror update` of one mirror, tried `retries` times; the cache says best why a try failed. */
async function updateMirror(services: MirrorServices, update: { mirror: string; retries: number; what: string }): Promise<void> {
  const { aptly, cache, log } = services;
  const { mirror, retries, what } = update;
  for (let attempt = 1; ; attempt++) {
    // aptly waits 30 s for response headers, and our loopback server answers once its own
    // download is done: the packages were prefetched, and when one still had to be fetched (and
    // stalled), the next attempt finds it in the cache. (More aptly tries would not help: aptly
    // also retries every 404 of the index compressions it probes.)
    const r = await aptly.run(updateMirrorArgs(mirror, retries), '', { allowFail: true });
    if (r.code === 0) return;
    // Stopped by a failure elsewhere: no retry, and no warning that reads like this mirror's trouble.
    if (aptly.stopping) throw new BuildError(`${what}: mirror update stopped: the build is stopping`);
    if (cache.fatal) throw cache.fatal;
    // A download that failed for good says why better than aptly's 502 from the loopback cache.
    const reason = cache.failures[cache.failures.length - 1] ?? (r.output.split('\n').map(l => l.trim()).filter(l => /^ERROR|mismatch/i.test(l)).slice(-3).join(' ')
      || r.output.trim().split('\n').slice(-2).join(' '));
    if (attempt >= retries) throw new BuildError(`${what}: mirror update failed after ${attempt} attempts: ${reason}`);
    log.warn(`${what}: mirror update failed (attempt ${attempt}/${retries}), retrying: ${reason}`);
    cache.failures.length = 0;
  }
}

/**
 * Adds aptly mirrors to a mirrored source (the world closure's additions): made, updated and
 * listed like its first ones, in one aptly process; what the source mirrored is then re-derived.
 */
export async function addMirrors(source: SourceMirror,
  added: ReadonlyArray<{ readonly component: string; readonly spec: MirrorSpec }>): Promise<void> {
  const keys = await createAndUpdate(source.services, added.map(a => ({ spec: a.spec, what: `${source.id} ${a.component}` })), source.id);
  for (const a of added) source.state.mirrors.get(a.component)!.push(a.spec.name);
  for (const [mirror, listed] of keys) source.state.mirrorKeys.set(mirror, listed);
  setMirrored(source);
}

/** Sets what the source mirrored from each mirror's `name version arch` keys. */
function setMirrored(source: SourceMirror): void {
  const keysByMirror = source.state.mirrorKeys;
  const byKey = new Map<string, IndexEntry>();
  for (const e of source.upstream) byKey.set(`${e.component}\t${e.key}`, e);
  const seen = new Set<string>();
  const mirrored: IndexEntry[] = [];
  for (const [component, names] of source.state.mirrors) {
    for (const m of names) {
      for (const key of keysByMirror.get(m) ?? []) {
        const k = `${component}\t${key}`;
        const e = byKey.get(k);
        if (e && !seen.has(k)) {
          seen.add(k);
          mirrored.push(e);
        }
      }
    }
  }
  source.state.mirrored = mirrored;
}
