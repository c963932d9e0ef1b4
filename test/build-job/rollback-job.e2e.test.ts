/**
 * A rollback in the build Job (BuildOptions.rollbackTo), run from the synthesized Jobs with the pod
 * runner against a real registry (Debian's docker-registry on 127.0.0.1, plain HTTP): build A and
 * B as Jobs (check, mirror, image) pushing their serving images, then a Job with rollbackTo A's
 * image (check, rollback, mirror, image). Each build is served from the pushed image pulled back
 * (skopeo copy + umoci unpack) behind nginx with the synthesized config; one apt client keeps its
 * lists across all three, and the Jobs read the previous manifest from that nginx.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageBuilder, PreviousManifest, RollbackTarget } from '../../src';
import { RunningNginx } from '../serving/nginx-process';
import { AptClient } from '../support/apt-client';
import { FileServerHandle } from '../support/archive-server';
import { FakeWorldHandle } from '../support/fake-world';
import { APT_FAILED_OR_WARNED, downloadDebs, mirrorClient } from '../support/mirror-client';
import { ContainerResult, runPod } from '../support/pod-runner';
import { pushBaseImage, registryToolsMissing, RegistryHandle, startRegistry } from '../support/registry';
import { RollbackUpstream, startRollbackUpstream } from '../support/rollback-upstream';
import { BuildSpec, runChecked, synthesizeBuild } from '../support/run-build';
import { serveFromRegistry, startServedMirror } from '../support/served-mirror';
import { GeneratedKey } from '../support/signing-key';
import { stopAll } from '../support/stop-all';
import { cachedTestKey } from '../support/test-keys';

const missing = registryToolsMissing();
const maybe = missing.length ? test.skip : test;
if (missing.length) process.stdout.write(`SKIPPED rollback-job test: ${missing.join(', ')} missing (scripts/install-test-tools.sh)\n`);

let world: FakeWorldHandle;
let upstream: FileServerHandle;
let upstreamServes: (state: 'a' | 'b') => void;
let registry: RegistryHandle;
let nginx: RunningNginx;
let key: GeneratedKey;
let dir: string;
let served: string;
let baseImage: string;
const clients: AptClient[] = [];

beforeAll(async () => {
  if (missing.length) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-rollback-job-'));
  let up: RollbackUpstream;
  [up, registry, key] = await Promise.all([startRollbackUpstream(dir), startRegistry(), cachedTestKey()]);
  ({ world, server: upstream, serves: upstreamServes } = up);
  baseImage = await pushBaseImage(registry);
  ({ served, nginx } = await startServedMirror(dir));
}, 180_000);

afterAll(() => stopAll([nginx, ...clients, registry, upstream, world], dir));

/** The build spec of this mirror: A's or B's packages, the previous manifest from the nginx serving it. */
function spec(packages: string[], more: Partial<BuildSpec> = {}): BuildSpec {
  return {
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, fingerprint: key.fingerprint },
    sources: [{ prefix: 'debian', name: 'bookworm', url: `${upstream.url}/debian`, keyUrl: `${upstream.url}/keys/archive.asc`, distribution: 'bookworm', components: ['main'], packages, fingerprints: [world.keys.archive.fingerprint] }],
    defaultAptlyConf: { architectures: ['amd64'] },
    image: { repository: `${registry.host}/mini-mirror`, insecureRegistry: true },
    // non-root with a read-only root filesystem, as with a prepared image; the host's skopeo and umoci stand in
    imageBuilder: ImageBuilder.skopeo({ baseImage, imageHasTools: true }),
    previousManifest: PreviousManifest.fromUrl(`${nginx.url}/manifest.json`),
    ...more,
  };
}

/** Runs the Job of `s` (all its steps, in order) on a fresh workspace; throws unless every step succeeded. */
async function runJob(s: BuildSpec): Promise<{ imageRef: string; identity: string; steps: Record<string, ContainerResult> }> {
  const { mirror, manifests } = synthesizeBuild(s);
  const workspace = fs.mkdtempSync(path.join(dir, 'workspace-'));
  // The kubelet creates emptyDirs world-writable; the check, rollback and image steps run as a non-root user.
  fs.chmodSync(workspace, 0o777);
  const pod = await runPod({
    manifests,
    kind: 'Job',
    name: mirror.buildJob.jobName,
    secrets: { 'mirror-signing': { 'signing-key.asc': key.privateKey } },
    emptyDirs: { workspace },
    timeoutMs: 240_000,
    extraEnv: { MINI_MIRROR_TAG_SETTLE_SECONDS: '1' },
  });
  pod.cleanup();
  const steps = Object.fromEntries(pod.results.map(r => [r.name, r]));
  if (pod.exitCode !== 0) {
    const failed = steps[pod.failedContainer!];
    throw new Error(`step ${pod.failedContainer} failed (exit ${failed.exitCode}):\n${failed.stdout}\n${failed.stderr}`);
  }
  await runChecked('chmod', ['-R', 'u+rwX', workspace]);
  fs.rmSync(workspace, { recursive: true, force: true });
  return { imageRef: mirror.imageRef, identity: mirror.buildIdentity, steps };
}

/** Serves what the registry holds at `ref` behind nginx. */
function serveImage(ref: string): Promise<void> {
  return serveFromRegistry(registry, ref, { dir, served, skopeoTls: ['--src-tls-verify=false'] });
}

/** The Date of the served InRelease, in seconds. */
function servedDate(): number {
  const date = /^Date: (.+)$/m.exec(fs.readFileSync(path.join(served, 'debian/dists/bookworm/InRelease'), 'utf8'))![1];
  return Date.parse(date) / 1000;
}

maybe('a Job with rollbackTo A\'s image: the client that kept B\'s lists updates without warning, gets A\'s packages, B\'s has no candidate', async () => {
  const a = await runJob(spec(['app']));
  expect(Object.keys(a.steps)).toEqual(['check', 'mirror', 'image']);
  await serveImage(a.imageRef);
  const manifestA = JSON.parse(fs.readFileSync(path.join(served, 'manifest.json'), 'utf8'));
  const stateful = await mirrorClient(nginx.url, key.publicKey);
  clients.push(stateful);
  await stateful.update();
  expect(await downloadDebs(stateful, ['app'], APT_FAILED_OR_WARNED)).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);

  upstreamServes('b');
  const b = await runJob(spec(['app', 'extra']));
  await serveImage(b.imageRef);
  const dateB = servedDate();
  await stateful.update();
  expect(await downloadDebs(stateful, ['extra', 'app'], APT_FAILED_OR_WARNED)).toEqual(['app_1.2_amd64.deb', 'extra_1.0_amd64.deb', 'libapp_2.0_amd64.deb']);

  // The rollback Job: A's image by its tag, with B's sources (what the platform repo holds now).
  const rollbackSpec = spec(['app', 'extra'], { rollbackTo: RollbackTarget.image(a.imageRef) });
  const upstreamAsked = upstream.requests.length;
  const r = await runJob(rollbackSpec);
  expect(Object.keys(r.steps)).toEqual(['check', 'rollback', 'mirror', 'image']);
  expect(r.steps.check.stdout).toContain('does not exist yet');
  expect(r.steps.rollback.stdout).toContain(`fetch-rollback: the tree of ${a.imageRef} is in /workspace/rollback-from`);
  expect(r.steps.mirror.stdout).toContain('rolling back to /workspace/rollback-from');
  expect(upstream.requests.slice(upstreamAsked)).toEqual([]);
  expect(new Set([a.imageRef, b.imageRef, r.imageRef]).size).toBe(3);
  expect((await registry.inspect(r.imageRef)).labels['mini-mirror.build-identity']).toBe(r.identity);
  await serveImage(r.imageRef);
  expect(servedDate()).toBeGreaterThan(dateB);

  const update = await stateful.update();
  expect(update.stdout).toMatch(/Get:\d+ \S+ bookworm InRelease/);
  expect(update.stdout + update.stderr).not.toMatch(/^(W|E|Err):/m);
  expect(await downloadDebs(stateful, ['app'], APT_FAILED_OR_WARNED)).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);
  expect(await stateful.policy('extra')).not.toMatch(/Candidate: 1\.0/);
  const manifest = JSON.parse(fs.readFileSync(path.join(served, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ buildIdentity: r.identity, rollbackOf: { buildIdentity: manifestA.buildIdentity, builtAt: manifestA.builtAt } });
  expect(manifest.packages.map((p: any) => p.name).sort()).toEqual(['app', 'libapp']);

  // The same rollback Job again (re-created after its TTL): the tag holds it, nothing is fetched or built.
  const again = await runJob(rollbackSpec);
  expect(again.identity).toBe(r.identity);
  expect(again.steps.rollback.stdout).toContain(`build ${r.identity.slice(0, 12)} is already in the registry: nothing to fetch`);
  expect(again.steps.mirror.stdout).toContain('is already in the registry: nothing to build');
}, 1_200_000);

maybe('a rollback to an image that is not a mirror build fails in the rollback step, before the mirror step, saying what to give', async () => {
  const bad = spec(['app'], { rollbackTo: RollbackTarget.image(baseImage) });
  const error = await runJob(bad).then(() => '', (e: Error) => e.message);
  expect(error).toContain('step rollback failed (exit 1)');
  expect(error).toContain(`fetch-rollback: FAILED: ${baseImage} holds no mirror build (no /srv/mirror/manifest.json in the image): give buildJob.rollbackTo an image a build Job of this mirror pushed`);
}, 300_000);
