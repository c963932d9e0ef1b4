/**
 * The default image step (ImageBuilder.skopeo(): umoci adds the tree as a layer, skopeo pushes),
 * run from the synthesized Job with the pod runner after a real mirror step, against a real
 * registry (Debian's docker-registry on 127.0.0.1, plain HTTP) with a base image made locally.
 * A tag is written once: the same build identity again leaves the tag untouched, another one is
 * refused.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageBuilder } from '../../src';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { runPod } from '../support/pod-runner';
import { pushBaseImage, RegistryHandle, registryToolsMissing, startRegistry } from '../support/registry';
import { BuildResult, BuildSpec, removeBuild, runBuild, runChecked, synthesizeBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';

const missing = registryToolsMissing();
const describeIfTools = missing.length ? describe.skip : describe;
if (missing.length) process.stdout.write(`SKIPPED image-registry test: ${missing.join(', ')} missing (scripts/install-test-tools.sh)\n`);

describeIfTools('the skopeo image step against a real registry', () => {
  let upstream: FakeUpstreamHandle;
  let key: GeneratedKey;
  let registry: RegistryHandle;
  let baseImage: string;
  let build: BuildResult;
  let spec: BuildSpec;

  beforeAll(async () => {
    [upstream, key, registry] = await Promise.all([FakeUpstream.start(), generateSigningKey(), startRegistry()]);
    baseImage = await pushBaseImage(registry);
    spec = {
      signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, fingerprint: key.fingerprint },
      sources: [{ prefix: 'debian', name: 'bookworm', url: upstream.url, keyUrl: upstream.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['chain-a'] }],
      image: { repository: `${registry.host}/mini-mirror`, insecureRegistry: true },
      // non-root with a read-only root filesystem, as with a prepared image; the host's skopeo and umoci stand in
      imageBuilder: ImageBuilder.skopeo({ baseImage, imageHasTools: true }),
      refreshEpoch: '2026-11-27',
    };
    build = await runBuild(spec);
    if (build.exitCode !== 0) throw new Error(`mirror step failed: ${build.stdout}\n${build.stderr}`);
    // The kubelet creates emptyDirs world-writable; the image step runs as a non-root user.
    fs.chmodSync(build.workspace, 0o777);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([upstream?.stop(), registry?.stop(), build && removeBuild(build.rootDir)]);
  });

  /** Runs the image step of the Job synthesized from `s` on the build's workspace. */
  async function imageStep(s: BuildSpec) {
    const { mirror, manifests } = synthesizeBuild(s);
    const pod = await runPod({
      manifests,
      kind: 'Job',
      name: mirror.buildJob.jobName,
      containers: ['image'],
      // the pod's volumes exist for every container, as on a kubelet; the image step does not mount this one
      secrets: { 'mirror-signing': { 'signing-key.asc': key.privateKey } },
      emptyDirs: { workspace: build.workspace },
      timeoutMs: 120_000,
    });
    pod.cleanup();
    const r = pod.results[0];
    return { exitCode: r.exitCode, log: r.stdout + r.stderr, imageRef: mirror.imageRef, identity: mirror.buildIdentity };
  }

  test('pushes the tree at /srv/mirror onto the base, labelled with the build identity; the same identity again leaves the tag untouched', async () => {
    const first = await imageStep(spec);
    expect(first.log).toContain(`bake-image: pushed ${build.imageRef} (build ${build.buildIdentity.slice(0, 12)})`);
    expect(first.log).toContain('WARNING: the registry is reached without TLS verification');
    expect(first.exitCode).toBe(0);
    expect(build.imageRef).toBe(`${registry.host}/mini-mirror:${build.buildIdentity.slice(0, 20)}`);
    const pushed = await registry.inspect(build.imageRef);
    expect(pushed.labels['mini-mirror.build-identity']).toBe(build.buildIdentity);

    // The image: the base's layer, then the tree at /srv/mirror, readable by nginx's user.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-pulled-'));
    try {
      const pulled = await registry.skopeo('copy', '--src-tls-verify=false', `docker://${build.imageRef}`, `oci:${dir}/oci:pulled`);
      expect(pulled.exitCode).toBe(0);
      await runChecked('umoci', ['unpack', '--rootless', '--image', `${dir}/oci:pulled`, `${dir}/bundle`]);
      const rootfs = `${dir}/bundle/rootfs`;
      expect(fs.readFileSync(`${rootfs}/etc/base-image`, 'utf8')).toContain('tiny base image');
      const manifest = JSON.parse(fs.readFileSync(`${rootfs}/srv/mirror/manifest.json`, 'utf8'));
      expect(manifest).toMatchObject({ buildIdentity: build.buildIdentity, refreshEpoch: '2026-11-27', contentHash: build.contentHash });
      expect(fs.existsSync(`${rootfs}/srv/mirror/debian/dists/bookworm/InRelease`)).toBe(true);
      // eslint-disable-next-line no-bitwise
      expect(fs.statSync(`${rootfs}/srv/mirror/manifest.json`).mode & 0o004).toBe(0o004);
      const names = (await runChecked('find', [rootfs, '-name', '*gnupg*', '-o', '-name', 'signing-key*', '-o', '-name', 'oci'])).stdout.trim();
      expect(names).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    // A re-created Job (same identity): succeeds without pushing; the tag keeps its digest.
    const again = await imageStep(spec);
    expect(again.exitCode).toBe(0);
    expect(again.log).toContain(`already holds build ${build.buildIdentity.slice(0, 12)}: nothing to push`);
    expect(again.log).not.toContain('pushed');
    expect((await registry.inspect(build.imageRef)).digest).toBe(pushed.digest);
  }, 240_000);

  test('a re-created Job whose build is already in the registry builds nothing: check, then mirror, on a fresh workspace', async () => {
    const { mirror, manifests } = synthesizeBuild(spec);
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-recreated-'));
    fs.chmodSync(workspace, 0o777);
    const requestsBefore = upstream.requests.length;
    try {
      const pod = await runPod({
        manifests,
        kind: 'Job',
        name: mirror.buildJob.jobName,
        containers: ['check', 'mirror'],
        secrets: { 'mirror-signing': { 'signing-key.asc': key.privateKey } },
        emptyDirs: { workspace },
        timeoutMs: 120_000,
      });
      pod.cleanup();
      const [check, mirrorStep] = pod.results;
      expect([check.exitCode, mirrorStep.exitCode]).toEqual([0, 0]);
      expect(check.stdout).toContain(`already holds build ${build.buildIdentity.slice(0, 12)}: nothing to build or push`);
      expect(mirrorStep.stdout).toContain(`build ${build.buildIdentity.slice(0, 12)} is already in the registry: nothing to build`);
      expect(upstream.requests.length).toBe(requestsBefore);
      expect(fs.existsSync(path.join(workspace, 'public'))).toBe(false);
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }

    // another build under that tag: the check fails before any mirroring
    const tag = build.imageRef.split(':').pop()!;
    const other = synthesizeBuild({ ...spec, refreshEpoch: '2026-11-29', image: { ...spec.image!, tag } });
    const refused = await runPod({
      manifests: other.manifests,
      kind: 'Job',
      name: other.mirror.buildJob.jobName,
      containers: ['check'],
      secrets: { 'mirror-signing': { 'signing-key.asc': key.privateKey } },
      emptyDirs: { workspace: build.workspace },
      timeoutMs: 120_000,
    });
    refused.cleanup();
    expect(refused.results[0].exitCode).toBe(1);
    expect(refused.results[0].stderr).toContain('a tag is written once');
  }, 240_000);

  test('a tag that holds another build identity is refused, and nothing is pushed', async () => {
    const tag = build.imageRef.split(':').pop()!;
    const before = (await registry.inspect(build.imageRef)).digest;
    const other = await imageStep({ ...spec, refreshEpoch: '2026-11-28', image: { ...spec.image!, tag } });
    expect(other.identity).not.toBe(build.buildIdentity);
    expect(other.imageRef).toBe(build.imageRef);
    expect(other.exitCode).toBe(1);
    expect(other.log).toContain(`bake-image: FAILED: ${build.imageRef} already holds build ${build.buildIdentity.slice(0, 12)}, not this build ${other.identity.slice(0, 12)}: a tag is written once`);
    expect((await registry.inspect(build.imageRef)).digest).toBe(before);
  }, 120_000);

  test('an image without a build identity under the tag is not overwritten either', async () => {
    const base = await imageStep({ ...spec, image: { repository: `${registry.host}/base`, tag: '1', insecureRegistry: true } });
    expect(base.exitCode).toBe(1);
    expect(base.log).toContain(`${registry.host}/base:1 already exists and holds an image without a build identity`);
  }, 120_000);
});
