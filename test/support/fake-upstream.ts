import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { buildDeb, debFileName } from './archive-builder';
import { StallOptions, startFileServer } from './archive-server';
import { buildOnce, CACHE_ROOT } from './fixture-cache';
import { runChecked } from './run-build';
import { generateSigningKey, withGnupgHome } from './signing-key';

/** A package of the fake upstream archive. */
export interface FakePackage {
  readonly name: string;
  readonly version: string;
  /** @default 'all' */
  readonly architecture?: string;
  readonly depends?: string;
  readonly recommends?: string;
  /** Changes the .deb's content (and so its checksum) without changing name/version/arch. */
  readonly flavor?: string;
}

/** The archive: every component's packages, published under each distribution. */
export interface FakeArchive {
  readonly components: Readonly<Record<string, readonly FakePackage[]>>;
  /** distribution -> Release fields (Suite, Origin, Label; empty = aptly's default). */
  readonly distributions: Readonly<Record<string, { readonly suite?: string; readonly origin?: string; readonly label?: string }>>;
  readonly architectures: readonly string[];
}

/**
 * The default archive. Requested in tests / expected outcome:
 *  - chain-a -> chain-b -> chain-c (>= 1.0)                 dependency chain inside main
 *  - multi 1.0, 2.0, 3.0                                    version constraints
 *  - arch-tool (amd64 + arm64), arm-only (arm64)            architecture filter
 *  - rec-main Recommends rec-extra                          dependencyFollowRecommends
 *  - contrib-tool -> contrib-helper (contrib), main-lib (main) -> main-lib-dep (main) -> contrib-deep
 *                                                           cross-component closure, two rounds
 *  - alt-user Depends alt-missing | alt-y (alt-y in main)   alternatives across components
 *  - needs-ghost Depends ghost-lib (exists nowhere)         dependency gate
 *  - decoy-main, decoy-contrib, chain-extra                 never requested, never depended on
 */
export const DEFAULT_ARCHIVE: FakeArchive = {
  architectures: ['amd64', 'arm64'],
  distributions: {
    bookworm: { suite: 'stable', origin: 'Fake Upstream', label: 'Fake Upstream Label' },
    trixie: { suite: 'testing', origin: 'Fake Upstream', label: 'Fake Upstream Testing' },
  },
  components: {
    main: [
      { name: 'chain-a', version: '1.0', depends: 'chain-b' },
      { name: 'chain-b', version: '1.0', depends: 'chain-c (>= 1.0)' },
      { name: 'chain-c', version: '1.0' },
      { name: 'chain-extra', version: '1.0', depends: 'chain-c' },
      { name: 'multi', version: '1.0' },
      { name: 'multi', version: '2.0' },
      { name: 'multi', version: '3.0' },
      { name: 'arch-tool', version: '1.0', architecture: 'amd64' },
      { name: 'arch-tool', version: '1.0', architecture: 'arm64' },
      { name: 'arm-only', version: '1.0', architecture: 'arm64' },
      { name: 'rec-main', version: '1.0', recommends: 'rec-extra' },
      { name: 'rec-extra', version: '1.0' },
      { name: 'main-lib', version: '1.0', depends: 'main-lib-dep' },
      { name: 'main-lib-dep', version: '1.0', depends: 'contrib-deep' },
      { name: 'alt-y', version: '1.0' },
      { name: 'needs-ghost', version: '1.0', depends: 'ghost-lib (>= 1.0)' },
      { name: 'decoy-main', version: '1.0' },
    ],
    contrib: [
      { name: 'contrib-tool', version: '1.0', depends: 'contrib-helper, main-lib' },
      { name: 'contrib-helper', version: '1.0' },
      { name: 'contrib-deep', version: '1.0' },
      { name: 'alt-user', version: '1.0', depends: 'alt-missing | alt-y' },
      { name: 'decoy-contrib', version: '1.0' },
    ],
  },
};

/** Same names as DEFAULT_ARCHIVE where it matters, but different bytes: for conflict tests. */
export const ALT_ARCHIVE: FakeArchive = {
  architectures: ['amd64', 'arm64'],
  distributions: {
    bookworm: { suite: 'stable', origin: 'Other Upstream', label: 'Other Upstream' },
    trixie: { suite: 'testing', origin: 'Other Upstream', label: 'Other Upstream' },
  },
  components: {
    main: [
      { name: 'multi', version: '1.0', flavor: 'alt' },
      { name: 'solo', version: '1.0' },
    ],
    contrib: [
      { name: 'solo-contrib', version: '1.0', depends: 'solo' },
    ],
  },
};

export interface FakeUpstreamOptions {
  /** @default DEFAULT_ARCHIVE */
  readonly archive?: FakeArchive;
  /** Delay before every response. @default 0 */
  readonly latencyMs?: number;
  /** Answer 500 to the first request of every path that matches. */
  readonly failFirst?: RegExp;
  /**
   * Serve another key at /key.asc than the one that signed the archive: 'impostor' (a second
   * generated key) or an armored key.
   */
  readonly keyOverride?: 'impostor' | string;
  /**
   * Flip bytes in the middle of every served file whose path matches, same length: what a client
   * sees when a .deb was corrupted after publishing (checksum failures).
   */
  readonly corrupt?: RegExp;
  /**
   * Stall matching paths: status and headers with the true Content-Length, about half the body,
   * then nothing (the connection stays open until stop()); optionally only the first N requests.
   */
  readonly stall?: StallOptions;
}

export interface FakeUpstreamHandle {
  /** Archive root, e.g. http://127.0.0.1:1234/debian (dists/ and pool/ below it). */
  readonly url: string;
  /** http://127.0.0.1:1234/key.asc */
  readonly keyUrl: string;
  /** Fingerprint of the key that signed the archive. */
  readonly fingerprint: string;
  /** Fingerprint of the impostor key (served with keyOverride: 'impostor'). */
  readonly impostorFingerprint: string;
  /** Paths of all requests so far, in order. */
  readonly requests: string[];
  /** Paths of the requests that were stalled (see FakeUpstreamOptions.stall), in order. */
  readonly stalled: string[];
  /** The largest number of requests served at the same time so far. */
  readonly maxInFlight: number;
  stop(): Promise<void>;
}

interface Fixture {
  readonly publicDir: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly impostorKey: string;
  readonly impostorFingerprint: string;
}

/** Part of the cache key: bump it when buildFixture() changes what it produces. */
const FIXTURE_VERSION = 'fake-upstream-v1';
const building = new Map<string, Promise<Fixture>>();

/**
 * A signed APT archive (built once with dpkg-deb and aptly, cached under os.tmpdir()) served by
 * an HTTP server inside this process. Run builds against it with async child processes only.
 * For archives shaped like real ones (pockets, the security layout, `all`, flat repositories, key
 * files, signature variants) see FakeWorld in fake-world.ts.
 */
export class FakeUpstream {
  public static async start(options: FakeUpstreamOptions = {}): Promise<FakeUpstreamHandle> {
    const fixture = await FakeUpstream.fixture(options.archive ?? DEFAULT_ARCHIVE);
    const key = options.keyOverride === 'impostor' ? fixture.impostorKey : options.keyOverride ?? fixture.key;
    const server = await startFileServer(fixture.publicDir, {
      latencyMs: options.latencyMs,
      failFirst: options.failFirst,
      corrupt: options.corrupt,
      stall: options.stall,
      files: { '/key.asc': key },
    });
    return {
      url: `${server.url}/debian`,
      keyUrl: `${server.url}/key.asc`,
      fingerprint: fixture.fingerprint,
      impostorFingerprint: fixture.impostorFingerprint,
      requests: server.requests,
      stalled: server.stalled,
      get maxInFlight() {
        return server.maxInFlight;
      },
      stop: () => server.stop(),
    };
  }

  /** Builds (or reuses from the cache) the signed archive for `archive`. */
  public static async fixture(archive: FakeArchive): Promise<Fixture> {
    const hash = crypto.createHash('sha256').update(FIXTURE_VERSION + JSON.stringify(archive)).digest('hex').slice(0, 16);
    let pending = building.get(hash);
    if (!pending) {
      pending = loadOrBuildFixture(archive, path.join(CACHE_ROOT, hash));
      building.set(hash, pending);
    }
    return pending;
  }
}

async function loadFixture(dir: string): Promise<Fixture> {
  const read = (f: string) => fs.promises.readFile(path.join(dir, f), 'utf8');
  return {
    publicDir: path.join(dir, 'public'),
    key: await read('key.asc'),
    fingerprint: (await read('fingerprint')).trim(),
    impostorKey: await read('impostor.asc'),
    impostorFingerprint: (await read('impostor-fingerprint')).trim(),
  };
}

async function loadOrBuildFixture(archive: FakeArchive, dir: string): Promise<Fixture> {
  return buildOnce(dir, (tmp) => buildFixture(archive, tmp), loadFixture);
}

async function buildFixture(archive: FakeArchive, dir: string): Promise<void> {
  const [upstreamKey, impostorKey] = await Promise.all([
    generateSigningKey({ userId: 'Fake Upstream Archive <archive@upstream.example>' }),
    generateSigningKey({ userId: 'Impostor <impostor@upstream.example>' }),
  ]);
  await fs.promises.writeFile(path.join(dir, 'key.asc'), upstreamKey.publicKey);
  await fs.promises.writeFile(path.join(dir, 'fingerprint'), upstreamKey.fingerprint + '\n');
  await fs.promises.writeFile(path.join(dir, 'impostor.asc'), impostorKey.publicKey);
  await fs.promises.writeFile(path.join(dir, 'impostor-fingerprint'), impostorKey.fingerprint + '\n');

  const root = path.join(dir, 'aptly');
  const conf = path.join(dir, 'aptly.conf');
  await fs.promises.writeFile(conf, JSON.stringify({ rootDir: root, architectures: archive.architectures }));
  const components = Object.keys(archive.components);
  for (const component of components) {
    const debs = path.join(dir, 'debs', component);
    await fs.promises.mkdir(debs, { recursive: true });
    await Promise.all(archive.components[component].map((p) => buildDeb(p, path.join(debs, debFileName(p)))));
  }

  await withGnupgHome(async (env) => {
    await runChecked('gpg', ['--batch', '--import'], { env, input: upstreamKey.privateKey });
    const aptly = (...args: string[]) => runChecked('aptly', [`-config=${conf}`, ...args], { env });
    for (const component of components) {
      await aptly('repo', 'create', `-component=${component}`, `r-${component}`);
      await aptly('repo', 'add', `r-${component}`, path.join(dir, 'debs', component));
    }
    for (const [dist, fields] of Object.entries(archive.distributions)) {
      await aptly('publish', 'repo', `-architectures=${archive.architectures.join(',')}`,
        `-component=${components.join(',')}`, `-distribution=${dist}`,
        ...(fields.suite ? [`-suite=${fields.suite}`] : []),
        ...(fields.origin ? [`-origin=${fields.origin}`] : []),
        ...(fields.label ? [`-label=${fields.label}`] : []),
        '-batch', `-gpg-key=${upstreamKey.fingerprint}`,
        ...components.map((c) => `r-${c}`), 'debian');
    }
  });
  // Keep only the published tree (its pool files are hard links, so they survive).
  await fs.promises.rename(path.join(root, 'public'), path.join(dir, 'public'));
  await fs.promises.rm(root, { recursive: true, force: true });
  await fs.promises.rm(path.join(dir, 'debs'), { recursive: true, force: true });
}
