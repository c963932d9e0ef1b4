// aptly as the oracle for the subset index on the real archive: the node set mirrored by aptly's
// own -filter-with-deps from the whole bookworm index and from the subset the runner would serve
// (relationClosure), through the runner's loopback server. aptly picks among alternatives in Go's
// random map order, so the two lists may differ by such picks; what must hold is that every
// package aptly picks from the whole index is in the subset. Prints one line, asserts nothing.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { s } from './figures';
import { Aptly, createMirrorArgs, filterChunks, packageKeysArgs, parsePackageKeys, updateMirrorArgs } from '../src/runner/aptly/aptly';
import { writeAptlyConfig } from '../src/runner/aptly/aptly-conf';
import { NameIndex } from '../src/runner/deb/name-index';
import { IndexEntry, indexPath, parseIndex } from '../src/runner/deb/packages-index';
import { BuildLog } from '../src/runner/log';
import { Fetcher, UpstreamCache } from '../src/runner/net/fetcher';
import { LocalUpstreamServer, overlayOf } from '../src/runner/net/local-upstream';
import { ChildProcesses } from '../src/runner/proc';
import { serveSubset } from '../src/runner/subset-index';
import { matchedEntries, planSource, relationClosure } from '../src/runner/subset-plan';
import { loadIndex } from '../src/runner/upstream/indexes';
import { fetchRelease } from '../src/runner/upstream/release';
import { closeOver } from '../src/runner/world-closure';

/** The bench's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

interface Mirrored {
  readonly keys: string[];
  readonly ms: number;
}

async function mirror(dir: string, url: string, name: string, filter: string): Promise<Mirrored> {
  const root = path.join(dir, name);
  await fs.promises.mkdir(path.join(root, 'gnupg'), { recursive: true, mode: 0o700 });
  const conf = path.join(root, 'aptly.conf');
  await writeAptlyConfig(conf, {}, { rootDir: path.join(root, 'root'), archs: ['amd64'], verify: false, recommends: true });
  const aptly = new Aptly(conf, path.join(root, 'gnupg'), path.join(root, 'log'), procs);
  const spec = { name, url, distribution: 'bookworm', component: 'main', force: false, filter, withDeps: true, retries: 3 };
  const started = Date.now();
  await aptly.run(createMirrorArgs(spec), `${name}: mirror create`);
  await aptly.run(updateMirrorArgs(name, 3), `${name}: mirror update`);
  const ms = Date.now() - started;
  const keys = parsePackageKeys((await aptly.run(packageKeysArgs(name), `${name}: list`)).output);
  await fs.promises.rm(path.join(root, 'root'), { recursive: true, force: true });
  return { keys, ms };
}

/** One line: aptly's picks from the whole index and from the subset, and whether the subset held them all. */
export async function aptlyOracle(base: string, queries: readonly string[]): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-oracle-'));
  const cache = new UpstreamCache(base, path.join(dir, 'cache'), new Fetcher({ retries: 3, stallSeconds: 60 }, new BuildLog(), procs), 'debian/bookworm');
  const server = await LocalUpstreamServer.start([cache]);
  try {
    const release = await fetchRelease({ cache, distribution: 'bookworm', what: 'debian/bookworm', procs });
    cache.release = release;
    const upstream: IndexEntry[] = parseIndex(await loadIndex({ cache, release, path: indexPath('main', 'amd64'), verify: true, what: 'debian/bookworm', procs }), 0, 'main');
    const names = NameIndex.of(upstream);
    const filter = filterChunks([...queries])[0];
    const whole = await mirror(dir, server.urlFor(0), 'whole', filter);
    const subset = relationClosure(names, matchedEntries(names, queries) ?? [], { recommends: true, suggests: false, allVariants: false });
    await serveSubset({ cache, upstream, entries: subset, where: { info: release, components: ['main'], archs: ['amd64'] } });
    const fromSubset = await mirror(dir, server.urlFor(0), 'subset', filter);
    overlayOf(cache).clear();
    const inSubset = new Set([...subset].map(e => e.key));
    const outside = whole.keys.filter(k => !inSubset.has(k));
    const [a, b] = [new Set(whole.keys), new Set(fromSubset.keys)];
    const differ = [...a].filter(k => !b.has(k)).length + [...b].filter(k => !a.has(k)).length;
    const plan = planSource({ upstream: names, queries, archs: ['amd64'], follow: { recommends: true, suggests: false, allVariants: false } });
    const matched = [...matchedEntries(names, queries) ?? []];
    const closed = closeOver({ have: matched, requested: matched, universe: upstream, arch: 'amd64', followRecommends: () => true });
    const same = [...new Set([...matched, ...closed.additions])].map(e => `${e.name}_${e.version}_${e.architecture}`).sort().join() === [...plan?.refs ?? []].sort().join();
    return `aptly oracle (bookworm main, the node set, aptly's -filter-with-deps with Recommends): whole index (${upstream.length} stanzas) ${whole.keys.length} packages in ${s(whole.ms)}; `
      + `subset (${subset.size} stanzas) ${fromSubset.keys.length} packages in ${s(fromSubset.ms)}; `
      + `aptly's picks from the whole index outside the subset: ${outside.length}${outside.length ? ` (${outside.slice(0, 5).join(', ')})` : ''}; `
      + `whole vs subset lists differ in ${differ} packages (aptly's random order among alternatives); the runner's own choice: ${plan?.refs?.length ?? 'none'} packages, `
      + `${same ? 'the same as' : 'NOT the same as'} its closure over the whole index`;
  } finally {
    await server.stop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
