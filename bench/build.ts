/**
 * bench:build — the seed's build vs this project's build Job, side by side, on a generated upstream.
 *
 *   npm run bench:build [-- --sources K --packages P --latency MS --runs N --quick --scale]
 *
 * The upstream (bench/build-upstream.ts): K sources x P packages (default 6 x 40), .debs of 20-200
 * KiB of incompressible payload, arch:all packages depending on arch-specific ones, dependency
 * chains, packages reached only as dependencies; every source its own distribution (two per
 * archive), every archive signed by its own key; served from this process on 127.0.0.1 with
 * `--latency` ms before every response (default 50). Built once and cached under os.tmpdir().
 *
 * In one process, alternating which goes first, `--runs` times (default 3):
 *  (a) seed: the seed's algorithm (bench/build-seed.ts), one source after another, no verification;
 *  (b) ours: the synthesized MiniMirror's build Job, mirror step, through the pod runner
 *      (test/support/run-build.ts), with the product's defaults (concurrency 4, retries 3); timed
 *      from the container's command start (bash, node, the runner) to its exit. The pod runner's
 *      setup around it (volumes from ConfigMaps, sandbox: a kubelet's work) is printed, not counted.
 * Both use the same sources, queries and signing key (passphrase-protected, as operators' keys are). Prints min/median/max wall time of each, the
 * median ratio seed/ours, our build's time per phase (its `timing:` line), the requests each made
 * upstream, and whether both published the same packages.
 *
 * --quick: 1 run of 3 x 20 (unless given). --verbose: also print our build's output of every run. --scale: also 1 source x 5,000 queries and 20 sources x
 * 200 queries (tiny .debs, every package queried; ours, and the seed for 20 x 200), 1 run each.
 * Needs root and the tools of the end-to-end tests (aptly, gpg, dpkg-dev, apt-utils,
 * dose-distcheck, bubblewrap). Asserts nothing; exits non-zero only when a build fails.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runSeedBuild, SeedResult, SeedSource } from './build-seed';
import { generateUpstream, GeneratedSource, GeneratedUpstream, UpstreamOptions } from './build-upstream';
import { median, mib, parseTiming, phaseLine, s } from './figures';
import { parseIndex, IndexEntry } from '../src/runner/deb/packages-index';
import { compileQuery } from '../src/runner/deb/query-match';
import { debFileName } from '../test/support/archive-builder';
import { FakeWorld, FakeWorldHandle } from '../test/support/fake-world';
import { cachedPassphraseTestKey } from '../test/support/passphrase-test-key';
import { removeBuild, runBuild, runCommand, BuildSpec } from '../test/support/run-build';
import { GeneratedKey } from '../test/support/signing-key';

const ARCHITECTURES = ['amd64'];

function option(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number (got ${process.argv[i + 1]})`);
  return v;
}
const quick = process.argv.includes('--quick');
const scale = process.argv.includes('--scale');
const verbose = process.argv.includes('--verbose');
const SOURCES = Math.max(1, Math.floor(option('sources') ?? (quick ? 3 : 6)));
const PACKAGES = Math.max(5, Math.floor(option('packages') ?? (quick ? 20 : 40)));
const LATENCY = option('latency') ?? 50;
const RUNS = Math.max(1, Math.floor(option('runs') ?? (quick ? 1 : 3)));

interface Requests {
  readonly total: number;
  readonly debs: number;
}
function countRequests(w: FakeWorldHandle, from: number): Requests {
  const paths = w.requests.slice(from);
  return { total: paths.length, debs: paths.filter(p => p.endsWith('.deb')).length };
}
const fmtRequests = (r: Requests) => `${r.total} requests (${r.debs} .deb, ${r.total - r.debs} other)`;

interface OursResult {
  readonly ms: number;
  /** The whole pod run, setup included. */
  readonly podMs: number;
  readonly stdout: string;
  /** phase -> ms, from the runner's `timing:` line. */
  readonly phases: Map<string, number>;
  readonly runnerTotalMs?: number;
  readonly published: Map<string, string[]>;
}

function buildSpec(up: GeneratedUpstream, w: FakeWorldHandle, key: GeneratedKey, timeoutMs: number): BuildSpec {
  return {
    sources: seedSources(up, w).map(({ queries, ...upstream }) => ({ ...upstream, packages: queries })),
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: key.passphrase, fingerprint: key.fingerprint },
    // MiniMirror's own default aptly config (AptlyConfig.fromProps()), as a user gets it.
    defaultAptlyConf: 'product',
    architectures: ARCHITECTURES,
    // The product's defaults (BuildOptions), not run-build.ts's test defaults (2 and 2).
    concurrency: 4,
    retries: 3,
    timeoutMs,
  };
}

async function runOurs(up: GeneratedUpstream, w: FakeWorldHandle, key: GeneratedKey, timeoutMs = 600_000): Promise<OursResult> {
  const spec = buildSpec(up, w, key, timeoutMs);
  // Timed: the build Job's mirror container, from its command's start (bash, node, the runner) to
  // its exit, as the seed's side times its build. Not timed: synthesizing the YAML (once, at
  // `cdk8s synth` time) and the pod runner's volume and sandbox setup (a kubelet's work in a
  // cluster, for the seed's pod as for ours; reported separately).
  const r = await runBuild(spec);
  const ms = r.containerMs;
  try {
    if (r.exitCode !== 0) {
      throw new Error(`OUR BUILD FAILED (exit ${r.exitCode}) after ${s(ms)}:\n--- stdout (last 60 lines)\n${r.stdout.trim().split('\n').slice(-60).join('\n')}\n--- stderr\n${r.stderr.trim()}`);
    }
    const manifest = JSON.parse(await fs.promises.readFile(path.join(r.publicDir, 'manifest.json'), 'utf8')) as { packages: Array<Record<string, string>> };
    const published = new Map<string, string[]>();
    for (const p of manifest.packages) {
      const k = `${p.prefix}/${p.distribution}`;
      published.set(k, [...(published.get(k) ?? []), `${p.name} ${p.version} ${p.architecture}`]);
    }
    for (const [k, v] of published) published.set(k, [...new Set(v)].sort());
    const t = parseTiming(r.stdout);
    return { ms, podMs: r.podMs, stdout: r.stdout, phases: t.phases, runnerTotalMs: t.totalMs, published };
  } finally {
    await removeBuild(r.rootDir);
  }
}

/** Differences between what a build published and what the sources should publish. */
function compare(what: string, published: Map<string, string[]>, sources: readonly GeneratedSource[]): string[] {
  const problems: string[] = [];
  for (const src of sources) {
    const got = new Set(published.get(`${src.prefix}/${src.distribution}`) ?? []);
    const missing = src.expected.filter(e => !got.has(e));
    const extra = [...got].filter(e => !src.expected.includes(e));
    if (missing.length || extra.length) {
      problems.push(`${what} ${src.prefix}/${src.distribution}: ${missing.length} missing${missing.length ? ` (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})` : ''}, `
        + `${extra.length} unexpected${extra.length ? ` (${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', ...' : ''})` : ''}`);
    }
  }
  return problems;
}

/** The generated sources with the fake world's URLs: the seed's input (ours names the queries `packages`). */
function seedSources(up: GeneratedUpstream, w: FakeWorldHandle): SeedSource[] {
  return up.sources.map(src => ({
    prefix: src.prefix,
    name: src.name,
    url: w.archives[src.archivePath].url,
    keyUrl: w.keys[src.key].url,
    distribution: src.distribution,
    components: src.components,
    queries: src.queries,
  }));
}

/** Bytes of the .debs the sources should publish (from the fixture's pool). */
function debBytes(up: GeneratedUpstream, w: FakeWorldHandle): number {
  let bytes = 0;
  for (const src of up.sources) {
    const pool = path.join(w.archives[src.archivePath].localDir, 'pool');
    const files = new Map<string, string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else files.set(e.name, path.join(dir, e.name));
      }
    };
    walk(pool);
    for (const e of src.expected) {
      const [name, version, architecture] = e.split(' ');
      const f = files.get(debFileName({ name, version, architecture }));
      if (f) bytes += fs.statSync(f).size;
    }
  }
  return bytes;
}

async function startUpstream(opts: UpstreamOptions): Promise<{ up: GeneratedUpstream; w: FakeWorldHandle; ms: number }> {
  const started = Date.now();
  const up = generateUpstream(opts);
  const w = await FakeWorld.start(up.world, { latencyMs: LATENCY });
  return { up, w, ms: Date.now() - started };
}

/** The runner's `<id>: prefetched N package files in Xs` lines: the slowest source's figure. */
function prefetchSummary(stdout: string): string {
  const found = [...stdout.matchAll(/: prefetched (\d+) package files in ([\d.]+)s/g)].map(m => ({ files: Number(m[1]), ms: Number(m[2]) * 1000 }));
  if (!found.length) return 'no prefetch lines';
  const slowest = found.reduce((a, b) => (b.ms > a.ms ? b : a));
  return `prefetch ${found.length} source(s), ${found.reduce((n, f) => n + f.files, 0)} files, slowest ${s(slowest.ms)} (${slowest.files} files)`;
}

function stats(label: string, xs: number[]): string {
  return `${label.padEnd(6)} min ${s(Math.min(...xs)).padStart(7)}   median ${s(median(xs)).padStart(7)}   max ${s(Math.max(...xs)).padStart(7)}`;
}

/** The default (or --sources/--packages) case: seed and ours alternating. */
async function sideBySide(key: GeneratedKey): Promise<void> {
  const { up, w, ms } = await startUpstream({ sources: SOURCES, packages: PACKAGES, sizes: 'realistic', queryEveryPackage: false, arm64: true });
  try {
    const queries = up.sources.reduce((n, x) => n + x.queries.length, 0);
    const debs = up.sources.reduce((n, x) => n + x.expected.length, 0);
    console.log(`upstream: ${SOURCES} sources x ${PACKAGES} packages (${queries} queries in all, ${debs} .debs, ${mib(debBytes(up, w))}), `
      + `${up.world.archives.length} signed archives, ${LATENCY} ms per request; ready in ${s(ms)}`);
    const seedMs: number[] = [];
    const oursMs: number[] = [];
    const podSetupMs: number[] = [];
    const runnerTotals: number[] = [];
    const phaseRuns: Array<Map<string, number>> = [];
    let seedReq: Requests | undefined;
    let oursReq: Requests | undefined;
    const problems = new Set<string>();
    for (let run = 0; run < RUNS; run++) {
      let seed: SeedResult | undefined;
      let ours: OursResult | undefined;
      const order = run % 2 === 0 ? ['seed', 'ours'] : ['ours', 'seed'];
      for (const which of order) {
        const before = w.requests.length;
        if (which === 'seed') {
          seed = await runSeedBuild(seedSources(up, w), key, ARCHITECTURES);
          seedReq = countRequests(w, before);
        } else {
          ours = await runOurs(up, w, key);
          oursReq = countRequests(w, before);
        }
      }
      seedMs.push(seed!.ms);
      oursMs.push(ours!.ms);
      podSetupMs.push(ours!.podMs - ours!.ms);
      if (ours!.runnerTotalMs !== undefined) runnerTotals.push(ours!.runnerTotalMs);
      phaseRuns.push(ours!.phases);
      for (const p of [...compare('seed', seed!.published, up.sources), ...compare('ours', ours!.published, up.sources)]) problems.add(p);
      const timing = /^timing: .*$/m.exec(ours!.stdout)?.[0] ?? 'no timing line';
      console.log(`run ${run + 1}/${RUNS} (${order.join(' first, ')} second): seed ${s(seed!.ms)} (${seedReq!.total} requests), `
        + `ours ${s(ours!.ms)} (${oursReq!.total} requests); ${timing}; ${prefetchSummary(ours!.stdout)}`);
      if (verbose) console.log(ours!.stdout.replace(/^/gm, '    | '));
    }
    console.log('');
    console.log(stats('seed', seedMs));
    console.log(stats('ours', oursMs));
    console.log(`median ratio seed/ours: ${(median(seedMs) / median(oursMs)).toFixed(2)} (target: >= 6, the seed's algorithm as baseline)`);
    console.log(`ours, median per phase (the runner's timing line, wall time of each phase): ${phaseLine(phaseRuns)}; `
      + `runner total ${runnerTotals.length ? s(median(runnerTotals)) : 'n/a'} of ${s(median(oursMs))} of the mirror container (the rest: bash, node start, cleanup)`);
    console.log(`not counted: the pod runner's setup around the container (volumes from the ConfigMaps and Secret, sandbox), median ${s(median(podSetupMs))}; `
      + 'in a cluster that is the kubelet\'s work, for a seed pod as for ours');
    console.log(`requests upstream per build: seed ${fmtRequests(seedReq!)}, ours ${fmtRequests(oursReq!)}`);
    const metadataPerSource = Math.ceil((Math.min(seedReq!.total - seedReq!.debs, oursReq!.total - oursReq!.debs)) / SOURCES);
    const floorMs = LATENCY * (metadataPerSource + Math.ceil(Math.max(...up.sources.map(x => x.expected.length)) / 4));
    console.log(`network floor: ${s(floorMs)} (all sources at once: ${metadataPerSource} metadata requests one after another, then 4 downloads at a time, ${LATENCY} ms each)`);
    console.log(problems.size ? `PUBLISHED PACKAGES DIFFER from what the queries select:\n  ${[...problems].join('\n  ')}`
      : `published: both builds published exactly the ${debs} expected packages (queries + dependencies) in every run`);
  } finally {
    await w.stop();
  }
}

/** The JS part of the "every query matched" check (src/runner/deb/query-match.ts), over the upstream index, in this process. */
function queryEvaluationMs(up: GeneratedUpstream, w: FakeWorldHandle): number {
  const started = Date.now();
  for (const src of up.sources) {
    const entries: IndexEntry[] = [];
    for (const c of src.components) {
      const file = path.join(w.archives[src.archivePath].localDir, 'dists', src.distribution, c, 'binary-amd64', 'Packages');
      entries.push(...parseIndex(fs.readFileSync(file, 'utf8'), 0, c));
    }
    const byName = new Map<string, IndexEntry[]>();
    for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
    for (const q of src.queries) {
      const compiled = compileQuery(q);
      const candidates = compiled.name !== undefined ? byName.get(compiled.name) ?? [] : entries;
      if (!candidates.some(e => compiled.matches(e))) throw new Error(`query ${q} matched nothing in the upstream index`);
    }
  }
  return Date.now() - started;
}

async function scaleCase(key: GeneratedKey, sources: number, queries: number, withSeed: boolean): Promise<void> {
  console.log('');
  const { up, w, ms } = await startUpstream({ sources, packages: queries, sizes: 'tiny', queryEveryPackage: true, arm64: false });
  try {
    const total = up.sources.reduce((n, x) => n + x.queries.length, 0);
    console.log(`scale: ${sources} source(s) x ${queries} queries (${total} queries, ${total} tiny .debs, ${mib(debBytes(up, w))}), ${LATENCY} ms per request; upstream ready in ${s(ms)}`);
    let before = w.requests.length;
    const ours = await runOurs(up, w, key, 1_800_000);
    const oursReq = countRequests(w, before);
    const problems = compare('ours', ours.published, up.sources);
    const timing = /^timing: .*$/m.exec(ours.stdout)?.[0] ?? 'no timing line';
    console.log(`  ours ${s(ours.ms)}, ${fmtRequests(oursReq)}; ${timing}; ${prefetchSummary(ours.stdout)}`);
    if (verbose) console.log(ours.stdout.replace(/^/gm, '    | '));
    const check = ours.phases.get('query check');
    console.log(`  "every query matched" check (the runner's "query check" phase, summed over sources): ${check === undefined ? 'n/a' : s(check)} for ${total} queries`);
    try {
      console.log(`  query evaluation alone (src/runner/deb/query-match.ts over the upstream index, in this process): ${queryEvaluationMs(up, w)} ms for ${total} queries`);
    } catch (e) {
      console.log(`  query evaluation alone: n/a (${(e as Error).message.split('\n')[0]})`);
    }
    if (withSeed) {
      before = w.requests.length;
      const seed = await runSeedBuild(seedSources(up, w), key, ARCHITECTURES);
      const seedReq = countRequests(w, before);
      problems.push(...compare('seed', seed.published, up.sources));
      console.log(`  seed ${s(seed.ms)}, ${fmtRequests(seedReq)}; ratio seed/ours ${(seed.ms / ours.ms).toFixed(2)}`);
    }
    console.log(problems.length ? `  PUBLISHED PACKAGES DIFFER:\n    ${problems.join('\n    ')}` : `  published: exactly the ${total} expected packages`);
  } finally {
    await w.stop();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:build runs the build Job through the pod runner: run it as root');
  const aptlyVersion = (await runCommand('aptly', ['version'])).stdout.trim();
  console.log(`bench:build: ${SOURCES} x ${PACKAGES}, ${LATENCY} ms latency, ${RUNS} run(s)${scale ? ', with --scale' : ''}; `
    + `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${aptlyVersion}`);
  // Signed with a passphrase-protected key, as operators do (the key unlock is part of the cost).
  const key = await cachedPassphraseTestKey();
  await sideBySide(key);
  if (scale) {
    await scaleCase(key, 1, 5000, false);
    await scaleCase(key, 20, 200, true);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
