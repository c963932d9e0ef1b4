/**
 * The default image step (ImageBuilder.skopeo(): umoci adds the tree as a layer, skopeo pushes),
 * run from the synthesized Job with the pod runner after a real mirror step, against a real
 * registry (Debian's docker-registry on 127.0.0.1, plain HTTP) with a base image made locally.
 * A tag is written once: the same build identity again leaves the tag untouched, another one is
 * refused. Then over TLS with a certificate from a private CA made with openssl: refused without
 * image.registryCa, pushed with it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RegistryCa } from '../../src';
import { FakeUpstreamHandle } from '../support/fake-upstream';
import { runImageStep } from '../support/image-step';
import { runPod } from '../support/pod-runner';
import { RegistryHandle, registryToolsMissing } from '../support/registry';
import { RegistryBuild, startRegistryBuild } from '../support/registry-build';
import { BuildResult, BuildSpec, runChecked, synthesizeBuild } from '../support/run-build';
import { GeneratedKey } from '../support/signing-key';

const missing = registryToolsMissing();
const describeIfTools = missing.length ? describe.skip : describe;
if (missing.length) process.stdout.write(`SKIPPED image-registry test: ${missing.join(', ')} missing (scripts/install-test-tools.sh)\n`);

describeIfTools('the skopeo image step against a real registry', () => {
  let setup: RegistryBuild;
  let upstream: FakeUpstreamHandle;
  let key: GeneratedKey;
  let registry: RegistryHandle;
  let build: BuildResult;
  let spec: BuildSpec;

  beforeAll(async () => {
    setup = await startRegistryBuild();
    ({ upstream, key, registry, build, spec } = setup);
    // The kubelet creates emptyDirs world-writable; the image step runs as a non-root user.
    fs.chmodSync(build.workspace, 0o777);
  }, 240_000);
  afterAll(async () => {
    await setup?.stop();
  });

  /** Runs the image step of the Job synthesized from `s` on the build's workspace. */
  async function imageStep(s: BuildSpec, extraEnv?: Record<string, string>) {
    // the tag is read back twice this far apart; a short wait keeps the test quick
    return runImageStep(s, key.privateKey, build.workspace, { MINI_MIRROR_TAG_SETTLE_SECONDS: '1', ...extraEnv });
  }

  test('pushes the tree at /srv/mirror onto the base, labelled with the build identity; the same identity again leaves the tag untouched', async () => {
    const first = await imageStep(spec);
    expect(first.log).toContain(`bake-image: pushed ${build.imageRef} (build ${build.buildIdentity.slice(0, 12)})`);
    expect(first.log).toContain('WARNING: the registry is reached without TLS verification');
    expect(first.exitCode).toBe(0);
    expect(build.imageRef).toBe(`${registry.host}/mini-mirror:${build.buildIdentity.slice(0, 20)}`);
    const pushed = await registry.inspect(build.imageRef);
    expect(pushed.labels['mini-mirror.build-identity']).toBe(build.buildIdentity);
    // the last line names the digest to deploy (image.digest), and it is what the tag holds
    const repository = build.imageRef.replace(/:[^:]+$/, '');
    expect(first.log.trim().split('\n').pop()).toBe(`image: ${repository}@${pushed.digest}`);

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
    expect(again.log).toContain(`image: ${repository}@${pushed.digest}`);
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
    expect(other.log).toContain(`bake-image: FAILED: ${build.imageRef} already holds build ${build.buildIdentity.slice(0, 12)} (${before}), not this build ${other.identity.slice(0, 12)}: a tag is written once`);
    expect((await registry.inspect(build.imageRef)).digest).toBe(before);
  }, 120_000);

  test('a workspace too small for the layer fails before anything is written, naming the option to raise', async () => {
    // The emptyDir's sizeLimit as the Job passes it, made tiny: the tree is already more than 1 MiB below it.
    const small = await imageStep({ ...spec, image: { ...spec.image!, tag: 'too-small' } }, { MINI_MIRROR_WORKSPACE_LIMIT_MIB: '1' });
    expect(small.exitCode).toBe(1);
    expect(small.log).toMatch(/bake-image: FAILED: the workspace has 0 MiB free, but the image layer needs about \d+ MiB .*: raise buildJob\.mirrorSizeEstimate/);
    expect(small.log).not.toContain('copying');
    expect(fs.existsSync(path.join(build.workspace, 'oci'))).toBe(false);
    expect((await registry.skopeo('inspect', '--tls-verify=false', `docker://${registry.host}/mini-mirror:too-small`)).exitCode).not.toBe(0);
  }, 120_000);

  test('an image without a build identity under the tag is not overwritten either', async () => {
    const base = await imageStep({ ...spec, image: { repository: `${registry.host}/base`, tag: '1', insecureRegistry: true } });
    expect(base.exitCode).toBe(1);
    const baseDigest = (await registry.inspect(`${registry.host}/base:1`)).digest;
    expect(base.log).toContain(`${registry.host}/base:1 already exists and holds ${baseDigest}, an image without a build identity`);
  }, 120_000);
});

describeIfTools('the skopeo image step against a registry whose certificate a private CA signed (image.registryCa)', () => {
  let setup: RegistryBuild;
  let key: GeneratedKey;
  let registry: RegistryHandle;
  let build: BuildResult;
  let spec: BuildSpec;
  // The CA bundle under a key of its own: the Job mounts it as ca.crt.
  const caConfigMap = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-ca' }, data: { 'bundle.pem': registry.caPem } });

  beforeAll(async () => {
    setup = await startRegistryBuild({ registryCa: RegistryCa.fromConfigMap('registry-ca', 'bundle.pem') });
    ({ key, registry, build, spec } = setup);
    expect(synthesizeBuild(spec).mirror.buildIdentity).toBe(build.buildIdentity);
    fs.chmodSync(build.workspace, 0o777);
  }, 240_000);
  afterAll(async () => {
    await setup?.stop();
  });

  async function steps(s: BuildSpec, containers: string[]) {
    const { mirror, manifests } = synthesizeBuild(s);
    const pod = await runPod({
      manifests: [...manifests, caConfigMap()],
      kind: 'Job',
      name: mirror.buildJob.jobName,
      containers,
      secrets: { 'mirror-signing': { 'signing-key.asc': key.privateKey } },
      emptyDirs: { workspace: build.workspace },
      timeoutMs: 120_000,
    });
    pod.cleanup();
    return pod.results;
  }

  test('without the CA the check step cannot tell what the tag holds, and says what to check', async () => {
    const [check] = await steps({ ...spec, image: { repository: spec.image!.repository } }, ['check']);
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toMatch(/x509|certificate/);
    expect(check.stderr).toContain('check the registry, the push Secret, image.registryCa and image.insecureRegistry');
  }, 120_000);

  test('with the CA the check and image steps verify the certificate, copy the base and push', async () => {
    const [check, image] = await steps(spec, ['check', 'image']);
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toContain('does not exist yet');
    expect(image.stdout + image.stderr).toContain(`bake-image: pushed ${build.imageRef} (build ${build.buildIdentity.slice(0, 12)})`);
    expect(image.stdout + image.stderr).not.toContain('WARNING');
    expect(image.exitCode).toBe(0);
    expect((await registry.inspect(build.imageRef)).labels['mini-mirror.build-identity']).toBe(build.buildIdentity);
    // verified for real: the registry's certificate checks out against the CA alone
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-ca-'));
    try {
      fs.writeFileSync(path.join(dir, 'ca.crt'), registry.caPem!);
      expect((await registry.skopeo('inspect', '--cert-dir', dir, `docker://${build.imageRef}`)).exitCode).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
