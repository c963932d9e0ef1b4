import * as fs from 'fs';
import * as path from 'path';
import { MirrorSource, MirrorSourceProps } from '../../src';
import { objectOf, synthMirror, SynthOptions, testSources } from '../serving/fixtures';
import { RunningNginx, startNginx } from '../serving/nginx-process';
import { PublishedTree, publishedTree } from '../serving/published-tree';
import { runPod } from '../support/pod-runner';
import { RunResult } from '../support/run-build';
import { runSmokeScript as runSmoke } from '../support/smoke-script';


interface Served {
  readonly tree: PublishedTree;
  readonly nginx: RunningNginx;
  readonly manifests: any[];
  readonly mirror: ReturnType<typeof synthMirror>['mirror'];
}

/**
 * The test mirror's sources, the vendor's with both components: each world is checked with its
 * own sources only, and alt-user (contrib) needs alt-y (main) of the same distribution.
 */
function clientTestSources(): MirrorSource[] {
  const [debian, vendor] = testSources();
  return [debian, new MirrorSource({ ...vendor, components: ['main', 'contrib'] } as MirrorSourceProps)];
}

/**
 * GIVEN a synthesized mirror whose signing key is the key that signed the published tree, and
 * nginx serving that tree with the synthesized nginx.conf; manifest.json carries the mirror's
 * content hash, as the build writes it.
 */
async function serve(opts: SynthOptions & { treeSigned?: boolean; servedHash?: string; servedIdentity?: string }): Promise<Served> {
  const tree = await publishedTree({ signed: opts.treeSigned ?? opts.signed ?? true });
  const props = { sources: clientTestSources(), ...opts.props };
  const { manifests, mirror } = synthMirror({ ...opts, publicKey: opts.publicKey ?? tree.publicKey, props });
  const hashed = await publishedTreeHash(tree, opts.servedHash ?? mirror.contentHash, opts.servedIdentity ?? opts.servedHash ?? mirror.buildIdentity);
  const nginx = await startNginx(objectOf(manifests, 'ConfigMap', 'mirror-nginx').data['nginx.conf'], hashed);
  return { tree, nginx, manifests, mirror };
}

async function publishedTreeHash(tree: PublishedTree, hash: string, identity: string): Promise<string> {
  const file = path.join(tree.root, 'manifest.json');
  const manifest = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  await fs.promises.writeFile(file, JSON.stringify({ ...manifest, contentHash: hash, buildIdentity: identity }, undefined, 2));
  await fs.promises.chmod(file, 0o644);
  return tree.root;
}

async function stop(served: Served | undefined) {
  await served?.nginx.stop();
  await served?.tree.cleanup();
}

/** assets/smoke-test.sh with the synthesized client and smoke ConfigMaps, against the local nginx. */
function runSmokeScript(served: Served, env: Record<string, string> = {}): Promise<RunResult> {
  return runSmoke({
    clientData: objectOf(served.manifests, 'ConfigMap', 'mirror-client').data,
    smokeData: objectOf(served.manifests, 'ConfigMap', served.mirror.smokeTest!.jobName).data,
    serviceUrl: served.nginx.url,
    env,
  });
}

/**
 * Runs the synthesized smoke-test Job's pod with the pod runner (uid 65534, read-only root fs, a
 * private /dev, the Job's volumes), the Service URL in its ConfigMap replaced by the local nginx.
 * Returns the exit code and the container's log.
 */
interface JobOptions {
  readonly extraPackages?: string;
  readonly env?: Record<string, string>;
}

async function runSmokeJob(served: Served, options: JobOptions = {}): Promise<{ exitCode: number; log: string }> {
  const jobName = served.mirror.smokeTest!.jobName;
  const manifests = served.manifests.map((o) => (o.kind === 'ConfigMap' && o.metadata.name === jobName
    ? { ...o, data: { ...o.data, 'service-url': `${served.nginx.url}\n`, 'packages.txt': o.data['packages.txt'] + (options.extraPackages ?? '') } }
    : o));
  const result = await runPod({
    manifests,
    kind: 'Job',
    name: jobName,
    timeoutMs: 60_000,
    extraEnv: { MINI_MIRROR_SMOKE_POLL_SECONDS: '1', MINI_MIRROR_SMOKE_ATTEMPTS: '2', ...options.env },
  });
  try {
    return { exitCode: result.exitCode, log: result.results.map((c) => c.stdout + c.stderr).join('\n') };
  } finally {
    result.cleanup();
  }
}

const REQUESTED = ['chain-a', 'contrib-tool', 'multi', 'alt-user'];

describe('signed mirror, key embedded in Signed-By (default)', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({});
  });
  afterAll(() => stop(served));

  test('the smoke-test script updates with signature checks and installs every requested package', async () => {
    const r = await runSmokeScript(served);
    expect(r.stdout + r.stderr).toMatch(/OK: the mirror serves signed indices/);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    // Both prefixes, both signed: apt fetched and verified InRelease of each.
    expect(r.stdout).toMatch(/^Get:\d+ http:\/\/127\.0\.0\.1:\d+\/debian bookworm InRelease/m);
    expect(r.stdout).toMatch(/^Get:\d+ http:\/\/127\.0\.0\.1:\d+\/vendor trixie InRelease/m);
    expect(r.stdout).toContain(`waiting up to 600s for build ${served.mirror.contentHash.slice(0, 12)}`);
    // Requested packages and their dependencies (from both components and both prefixes).
    for (const pkg of [...REQUESTED, 'chain-b', 'chain-c', 'contrib-helper', 'main-lib', 'alt-y']) {
      expect(r.stdout).toMatch(new RegExp(`^Inst ${pkg} \\(`, 'm'));
    }
    // One world after the other, each with its own sources and a fresh apt state.
    const [bookworm, trixie] = r.stdout.split('smoke-test: world trixie: using vendor-trixie.sources');
    expect(bookworm).toContain('world bookworm: simulating the installation of 2 packages: chain-a contrib-tool');
    expect(bookworm).not.toMatch(/\/vendor trixie/);
    expect(trixie).toContain('world trixie: simulating the installation of 2 packages: multi alt-user');
    expect(trixie).not.toMatch(/\/debian bookworm/);
    expect(r.stdout).toMatch(/OK: the mirror serves signed indices and every requested package installs \(2 worlds\)/);
  });

  test('the synthesized Job runs green in a pod sandbox (uid 65534, read-only root filesystem)', async () => {
    const { exitCode, log } = await runSmokeJob(served);
    expect(log).toMatch(/OK: the mirror serves signed indices/);
    expect(exitCode).toBe(0);
    expect(log).toContain(`waiting up to 23400s for build ${served.mirror.contentHash.slice(0, 12)}`);
    expect(log).toMatch(/^Inst multi \(3\.0 /m);
  });
});

describe('failures are caught', () => {
  let served: Served;
  afterEach(() => stop(served));

  test('a mirror signed by another key fails the update (signatures are checked)', async () => {
    const tree = await publishedTree();
    const otherKey = tree.otherKey;
    await tree.cleanup();
    served = await serve({ publicKey: otherKey });
    const { exitCode, log } = await runSmokeJob(served);
    expect(exitCode).not.toBe(0);
    expect(log).toMatch(/NO_PUBKEY/);
    expect(log).toMatch(/FAILED: world bookworm: apt-get update failed 2 times/);
  });

  test('an unsigned tree fails a signed client configuration', async () => {
    served = await serve({ treeSigned: false });
    const { exitCode, log } = await runSmokeJob(served);
    expect(exitCode).not.toBe(0);
    expect(log).toMatch(/E: The repository 'http:\/\/127\.0\.0\.1:\d+\/debian bookworm Release' is not signed/);
  });

  test('the test waits for the expected build and gives up when it never comes', async () => {
    served = await serve({ servedHash: 'ffffffffffffffffffffffffffffffff' });
    const { exitCode, log } = await runSmokeJob(served, { env: { MINI_MIRROR_SMOKE_WAIT_SECONDS: '2' } });
    expect(exitCode).not.toBe(0);
    expect(log).toMatch(/served build: ffffffffffff, waiting for/);
    expect(log).toMatch(/was not served within 2s/);
  });

  test('the test waits for the build identity: the same inputs with another refresh epoch are not that build', async () => {
    served = await serve({ props: { refreshEpoch: '2026-11-27' }, servedIdentity: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' });
    expect(served.mirror.buildIdentity).not.toBe(served.mirror.contentHash);
    const { exitCode, log } = await runSmokeJob(served, { env: { MINI_MIRROR_SMOKE_WAIT_SECONDS: '2' } });
    expect(exitCode).not.toBe(0);
    expect(log).toContain(`waiting up to 2s for build ${served.mirror.buildIdentity.slice(0, 12)}`);
    expect(log).toMatch(/served build: eeeeeeeeeeee, waiting for/);
  });

  test('a package the mirror does not have fails the install simulation', async () => {
    served = await serve({});
    const { exitCode, log } = await runSmokeJob(served, { extraPackages: 'trixie ghost-lib\n' });
    expect(exitCode).not.toBe(0);
    expect(log).toMatch(/E: Package 'ghost-lib' has no installation candidate/);
    expect(log).toMatch(/FAILED: world trixie: apt-get install --simulate failed/);
  });

  test('a package name that looks like an option is refused', async () => {
    served = await serve({});
    const { exitCode, log } = await runSmokeJob(served, { extraPackages: 'bookworm -oDebug::pkgProblemResolver=1\n' });
    expect(exitCode).not.toBe(0);
    expect(log).toMatch(/'-oDebug::pkgProblemResolver=1' in packages.txt is not a Debian package name/);
  });

  test('a package of a world the test does not know is refused', async () => {
    served = await serve({});
    const { exitCode, log } = await runSmokeJob(served, { extraPackages: 'jammy curl\n' });
    expect(exitCode).not.toBe(0);
    expect(log).toMatch(/'jammy' in packages.txt is not a world of worlds.txt/);
  });
});

describe('other client forms', () => {
  let served: Served;
  afterEach(() => stop(served));

  test('unsigned mirror: Trusted: yes, and the Job passes', async () => {
    served = await serve({ signed: false });
    const sources = objectOf(served.manifests, 'ConfigMap', 'mirror-client').data['debian-bookworm.sources'];
    expect(sources).toContain('Trusted: yes');
    const { exitCode, log } = await runSmokeJob(served);
    expect(log).toMatch(/OK: the mirror serves/);
    expect(exitCode).toBe(0);
    expect(log).toMatch(/^Get:\d+ http:\/\/127\.0\.0\.1:\d+\/debian bookworm Release/m);
  });

  test('key file form (keyPath): the Job mounts mirror-key.asc at the path Signed-By names', async () => {
    served = await serve({ props: { clients: { keyPath: '/etc/apt/keyrings/mini-mirror-test.asc' } } });
    const sources = objectOf(served.manifests, 'ConfigMap', 'mirror-client').data['debian-bookworm.sources'];
    expect(sources).toContain('Signed-By: /etc/apt/keyrings/mini-mirror-test.asc\n');
    const { exitCode, log } = await runSmokeJob(served);
    expect(log).toMatch(/OK: the mirror serves signed indices/);
    expect(exitCode).toBe(0);
  });

  test('recommends: false: the Job mounts the apt.conf.d fragment and installs as its clients do, without Recommends', async () => {
    served = await serve({ props: { recommends: false } });
    const { exitCode, log } = await runSmokeJob(served);
    expect(log).toMatch(/simulating the installation of 2 packages: chain-a contrib-tool \(without Recommends, as its clients are configured\)/);
    expect(log).toMatch(/OK: the mirror serves signed indices/);
    expect(exitCode).toBe(0);
  });

  test('by default the Job installs with Recommends, as apt does', async () => {
    served = await serve({});
    const { exitCode, log } = await runSmokeJob(served);
    expect(log).toMatch(/simulating the installation of 2 packages: chain-a contrib-tool \(with Recommends, as its clients install them\)/);
    expect(exitCode).toBe(0);
  });

  test('an Ingress host in the client files: the test still goes through the Service', async () => {
    served = await serve({ props: { serving: { ingress: { host: 'apt.example.com', tlsSecretName: 'apt-tls' } } } });
    const sources = objectOf(served.manifests, 'ConfigMap', 'mirror-client').data['debian-bookworm.sources'];
    expect(sources).toContain('URIs: https://apt.example.com/debian\n');
    const { exitCode, log } = await runSmokeJob(served);
    expect(log).toMatch(/OK: the mirror serves signed indices/);
    expect(exitCode).toBe(0);
    expect(log).toMatch(/^Get:\d+ http:\/\/127\.0\.0\.1:\d+\/vendor trixie InRelease/m);
  });
});
