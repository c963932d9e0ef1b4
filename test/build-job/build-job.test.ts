import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { AptlyConfig, ImageBuilder, MiniMirror, MiniMirrorProps, MirrorSource, RegistryCa, ReleaseSigning } from '../../src';
import * as assets from '../../src/util/assets';
import { BOOKWORM } from '../support/source-props';
import { errorOf } from '../support/tree';

const PUBLIC_KEY = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'mirror.pub.asc'), 'utf8');
const SOURCE = new MirrorSource(BOOKWORM);

function synth(overrides: Partial<MiniMirrorProps> = {}) {
  // client .sources name the Service with the chart's namespace
  const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
  const mirror = new MiniMirror(chart, 'mirror', {
    sources: [SOURCE],
    signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: PUBLIC_KEY, passphraseKey: 'passphrase' }),
    image: { repository: 'registry.example.com/mini-mirror', pushSecretName: 'registry-push' },
    ...overrides,
  });
  const objects = Testing.synth(chart);
  const job = objects.find(o => o.kind === 'Job' && o.metadata.name === mirror.buildJob.jobName);
  const config = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === mirror.buildJob.configMapName);
  return { mirror, objects, job, config, pod: job.spec.template.spec };
}

describe('BuildJob', () => {
  // The snapshots mask content hashes (test/support/hash-serializer.ts): here they must move.
  test('GIVEN another build runner WHEN synthesized THEN the content hash, the Job, its ConfigMap and the image tag change', () => {
    const before = synth();
    const spy = jest.spyOn(assets, 'readRunner').mockReturnValue(`${assets.readRunner()}\n// another runner\n`);
    try {
      const after = synth();
      expect(after.mirror.contentHash).not.toBe(before.mirror.contentHash);
      expect(after.mirror.buildJob.jobName).not.toBe(before.mirror.buildJob.jobName);
      expect(after.mirror.buildJob.configMapName).not.toBe(before.mirror.buildJob.configMapName);
      expect(after.mirror.imageRef).not.toBe(before.mirror.imageRef);
      expect(synth().mirror.contentHash).toBe(after.mirror.contentHash);
    } finally {
      spy.mockRestore();
    }
    expect(synth().mirror.contentHash).toBe(before.mirror.contentHash);
  });

  test('GIVEN a signed mirror WHEN synthesized THEN the Job matches the snapshot', () => {
    const { job, config } = synth();
    expect({ job, configKeys: Object.keys(config.data).sort() }).toMatchSnapshot();
  });

  test('the content hash changes with every input and names the image tag', () => {
    const base = synth().mirror;
    expect(base.buildJob.jobName).toMatch(/^mirror-build-[0-9a-f]{12}$/);
    expect(base.buildJob.configMapName).toBe(`mirror-build-${base.contentHash.slice(0, 12)}`);
    expect(base.imageRef).toBe(`registry.example.com/mini-mirror:${base.contentHash.slice(0, 20)}`);
    const other = new MirrorSource({ ...SOURCE, packages: ['nginx', 'curl'] } as any);
    expect(synth({ sources: [other] }).mirror.contentHash).not.toBe(base.contentHash);
    expect(synth({ buildJob: { mirrorImage: 'registry.example.com/debian:bookworm' } }).mirror.contentHash).not.toBe(base.contentHash);
    expect(synth({ defaultAptlyConfig: AptlyConfig.fromProps({ architectures: ['arm64'] }) }).mirror.contentHash).not.toBe(base.contentHash);
    expect(synth().mirror.contentHash).toBe(base.contentHash);
    expect(synth({ image: { repository: 'registry.example.com/mini-mirror', tag: 'v1' } }).mirror.imageRef).toBe('registry.example.com/mini-mirror:v1');
  });

  test('the build identity is the inputs plus the refresh epoch; it names the default tag and is in build.json', () => {
    const base = synth();
    expect(base.mirror.buildIdentity).toBe(base.mirror.contentHash);
    expect(JSON.parse(base.config.data['build.json'])).toMatchObject({ contentHash: base.mirror.contentHash, buildIdentity: base.mirror.contentHash, refreshEpoch: null });
    const refreshed = synth({ refreshEpoch: '2026-11-27' });
    expect(refreshed.mirror.contentHash).toBe(base.mirror.contentHash);
    expect(refreshed.mirror.buildIdentity).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshed.mirror.buildIdentity).not.toBe(base.mirror.contentHash);
    expect(refreshed.mirror.imageRef).toBe(`registry.example.com/mini-mirror:${refreshed.mirror.buildIdentity.slice(0, 20)}`);
    expect(JSON.parse(refreshed.config.data['build.json'])).toMatchObject({
      contentHash: base.mirror.contentHash, buildIdentity: refreshed.mirror.buildIdentity, refreshEpoch: '2026-11-27',
    });
    expect(refreshed.mirror.buildJob.jobName).not.toBe(base.mirror.buildJob.jobName);
    // The build ConfigMap is immutable and its build.json holds the identity: another epoch, another name
    // (one name with two contents would fail `kubectl apply` on the second epoch).
    expect(refreshed.mirror.buildJob.configMapName).toBe(`mirror-build-${refreshed.mirror.buildIdentity.slice(0, 12)}`);
    expect(refreshed.mirror.buildJob.configMapName).not.toBe(base.mirror.buildJob.configMapName);
    expect(refreshed.mirror.smokeTest!.jobName).not.toBe(base.mirror.smokeTest!.jobName);
    expect(synth({ refreshEpoch: '2026-11-28' }).mirror.buildIdentity).not.toBe(refreshed.mirror.buildIdentity);
    expect(synth({ refreshEpoch: '2026-11-27' }).mirror.buildIdentity).toBe(refreshed.mirror.buildIdentity);
  });

  test('unchanged inputs give byte-identical YAML', () => {
    const yaml = () => JSON.stringify(synth().objects);
    expect(yaml()).toBe(yaml());
  });

  describe('a changed Job spec always changes the Job name (Jobs are immutable)', () => {
    const base = synth();
    const image = { repository: 'registry.example.com/mini-mirror', pushSecretName: 'registry-push' };
    test.each<[string, Partial<MiniMirrorProps>]>([
      ['image.tag', { image: { ...image, tag: 'v2' } }],
      ['image.pushSecretName', { image: { ...image, pushSecretName: 'other-push' } }],
      ['no push Secret', { image: { repository: image.repository } }],
      ['proxy', { buildJob: { proxy: { httpsProxy: 'http://proxy.example:3128' } } }],
      ['noProxy', { buildJob: { proxy: { noProxy: 'registry.example.com' } } }],
      ['memory', { buildJob: { memory: '2Gi' } }],
      ['cpu', { buildJob: { cpu: '2' } }],
      ['nodeSelector', { buildJob: { nodeSelector: { pool: 'build' } } }],
      ['backoffLimit', { buildJob: { backoffLimit: 2 } }],
      ['activeDeadline', { buildJob: { activeDeadline: Duration.hours(5) } }],
      ['ttlAfterFinished', { buildJob: { ttlAfterFinished: Duration.days(1) } }],
      ['mirrorImageHasTools', { buildJob: { mirrorImageHasTools: true } }],
      ['imageBuilder', { buildJob: { imageBuilder: ImageBuilder.kaniko() } }],
      ['builderImage', { buildJob: { builderImage: 'registry.example.com/mini-mirror-builder:1' } }],
      ['mirrorSizeEstimate', { buildJob: { mirrorSizeEstimate: Size.gibibytes(50) } }],
      ['workspaceVolumeClaim', { buildJob: { workspaceVolumeClaim: 'mirror-workspace' } }],
      ['image.registryCa', { image: { ...image, registryCa: RegistryCa.fromConfigMap('registry-ca') } }],
      ['name', { name: 'other' }],
    ])('%s', (_what, props) => {
      const changed = synth(props);
      expect(changed.job.spec).not.toEqual(base.job.spec);
      expect(changed.mirror.buildJob.jobName.replace(/^other-/, 'mirror-')).not.toBe(base.mirror.buildJob.jobName);
    });

    test('the smoke test Job too', () => {
      const smokeName = (props: Partial<MiniMirrorProps>) => synth(props).mirror.smokeTest!.jobName;
      const name = base.mirror.smokeTest!.jobName;
      expect(smokeName({})).toBe(name);
      expect(smokeName({ smokeTest: { nodeSelector: { pool: 'test' } } })).not.toBe(name);
      expect(smokeName({ smokeTest: { image: 'registry.example.com/debian:bookworm' } })).not.toBe(name);
      expect(smokeName({ smokeTest: { ttlAfterFinished: Duration.days(1) } })).not.toBe(name);
    });
  });

  test('secrets stay secret: mounted read-only as files in the mirror step only, never in env or args', () => {
    const { pod, objects } = synth();
    const signing = pod.volumes.find((v: any) => v.name === 'signing');
    expect(signing.secret).toEqual({
      secretName: 'mirror-signing',
      defaultMode: 0o400,
      items: [{ key: 'signing-key.asc', path: 'signing-key.asc' }, { key: 'passphrase', path: 'passphrase' }],
    });
    const mirrorStep = pod.initContainers.find((c: any) => c.name === 'mirror');
    expect(mirrorStep.volumeMounts).toContainEqual({ name: 'signing', mountPath: '/etc/mini-mirror/signing', readOnly: true });
    expect(pod.containers[0].volumeMounts.map((m: any) => m.name)).not.toContain('signing');
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/secretKeyRef|PRIVATE KEY/);
    expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('with skopeo, a check step asks the registry before the mirror step builds; crane has none', () => {
    const { pod } = synth();
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['check', 'mirror']);
    const check = pod.initContainers[0];
    expect(check.command).toEqual(['bash', '/etc/mini-mirror/build/bake-image-oci.sh']);
    expect(check.env).toContainEqual({ name: 'MINI_MIRROR_CHECK_ONLY', value: 'true' });
    expect(pod.initContainers[1].env).toContainEqual({ name: 'MINI_MIRROR_BUILD_IDENTITY', value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(check.volumeMounts.map((m: any) => m.name)).not.toContain('signing');
    expect(synth({ buildJob: { imageBuilder: ImageBuilder.crane() } }).pod.initContainers.map((c: any) => c.name)).toEqual(['mirror']);
  });

  test('the mirror step runs the shipped script from the build ConfigMap', () => {
    const { pod, config } = synth();
    expect(pod.initContainers.find((c: any) => c.name === 'mirror').command).toEqual(['bash', '/etc/mini-mirror/build/build-mirror.sh']);
    expect(config.data['build-mirror.sh']).toBe(fs.readFileSync(path.join(__dirname, '..', '..', 'assets', 'build-mirror.sh'), 'utf8'));
    expect(JSON.parse(config.data['build.json'])).toMatchObject({
      version: 2,
      concurrency: 4,
      retries: 3,
      signing: { mode: 'key', privateKeyFile: 'signing-key.asc', passphraseFile: 'passphrase' },
      sources: [{ prefix: 'debian', name: 'bookworm', verify: true, dependencyGate: true, fingerprints: [] }],
    });
    expect(config.immutable).toBe(true);
  });

  test('options: proxy, deadlines, retries, kaniko', () => {
    const { job, pod, config } = synth({
      buildJob: {
        proxy: { httpProxy: 'http://proxy.example:3128', noProxy: 'registry.example.com' },
        activeDeadline: Duration.hours(2),
        ttlAfterFinished: Duration.hours(1),
        backoffLimit: 3,
        imageBuilder: ImageBuilder.kaniko(),
        concurrency: 8,
        memory: '4Gi',
      },
    });
    expect(job.spec).toMatchObject({ activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 3600, backoffLimit: 3 });
    expect(pod.initContainers.find((c: any) => c.name === 'mirror').env).toEqual(expect.arrayContaining([
      { name: 'HTTP_PROXY', value: 'http://proxy.example:3128' }, { name: 'http_proxy', value: 'http://proxy.example:3128' },
      { name: 'NO_PROXY', value: 'registry.example.com' }, { name: 'no_proxy', value: 'registry.example.com' },
    ]));
    expect(pod.containers[0].image).toMatch(/kaniko-project\/executor/);
    expect(pod.containers[0].args).toContain('--dockerfile=/etc/mini-mirror/build/Dockerfile');
    expect(config.data.Dockerfile).toBe('FROM docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm\nCOPY public/ /srv/mirror/\n');
    expect(JSON.parse(config.data['build.json']).concurrency).toBe(8);
    expect(pod.initContainers.find((c: any) => c.name === 'mirror').resources.limits.memory).toBe('4Gi');
  });

  test('the default image step: skopeo and umoci, write-once tags, the build identity, push credentials as a file', () => {
    const { pod, config, mirror } = synth();
    const step = pod.containers[0];
    expect(step.command).toEqual(['bash', '/etc/mini-mirror/build/bake-image-oci.sh']);
    expect(config.data['bake-image-oci.sh']).toBe(fs.readFileSync(path.join(__dirname, '..', '..', 'assets', 'bake-image-oci.sh'), 'utf8'));
    expect(step.env).toEqual(expect.arrayContaining([
      { name: 'MINI_MIRROR_IMAGE', value: mirror.imageRef },
      { name: 'MINI_MIRROR_BUILD_IDENTITY', value: mirror.buildIdentity },
      { name: 'REGISTRY_AUTH_FILE', value: '/etc/mini-mirror/push/config.json' },
    ]));
    expect(step.env.map((e: any) => e.name)).not.toContain('MINI_MIRROR_INSECURE_REGISTRY');
    const prepared = synth({ buildJob: { imageBuilder: ImageBuilder.skopeo({ imageHasTools: true, image: 'registry.example.com/oci-tools:1' }) } }).pod.containers[0];
    expect(prepared.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true });
    expect(prepared.image).toBe('registry.example.com/oci-tools:1');
  });

  test('insecureRegistry: plain HTTP for the image step, with a warning annotation', () => {
    const { job, pod } = synth({ image: { repository: 'registry.example.com/mini-mirror', insecureRegistry: true } });
    expect(pod.containers[0].env).toContainEqual({ name: 'MINI_MIRROR_INSECURE_REGISTRY', value: 'true' });
    expect(job.metadata.annotations['mini-mirror/insecure-registry']).toMatch(/plain HTTP/);
  });

  describe('builderImage: one prepared image for every step', () => {
    const BUILDER = 'registry.example.com/mini-mirror-builder:bookworm-1';

    test('the check, mirror and image steps run it as non-root with a read-only root filesystem', () => {
      const { pod } = synth({ buildJob: { builderImage: BUILDER } });
      const steps = [...pod.initContainers, ...pod.containers];
      expect(steps.map((c: any) => c.name)).toEqual(['check', 'mirror', 'image']);
      for (const step of steps) {
        expect(step.image).toBe(BUILDER);
        expect(step.securityContext).toEqual({
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          privileged: false,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
      }
      // the non-root mirror step reads the signing key through fsGroup
      expect(pod.securityContext.fsGroup).toBe(65532);
      // the serving base image stays as it was
      expect(pod.containers[0].env).toContainEqual({ name: 'MINI_MIRROR_BASE_IMAGE', value: 'docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm' });
    });

    test('keeps the skopeo builder\'s base image; with crane only the mirror step uses it', () => {
      const base = 'registry.example.com/nginx-unprivileged:1';
      const skopeo = synth({ buildJob: { builderImage: BUILDER, imageBuilder: ImageBuilder.skopeo({ baseImage: base }) } }).pod;
      expect(skopeo.containers[0].image).toBe(BUILDER);
      expect(skopeo.containers[0].env).toContainEqual({ name: 'MINI_MIRROR_BASE_IMAGE', value: base });
      const crane = synth({ buildJob: { builderImage: BUILDER, imageBuilder: ImageBuilder.crane() } }).pod;
      expect(crane.initContainers.map((c: any) => [c.name, c.image])).toEqual([['mirror', BUILDER]]);
      expect(crane.containers[0].image).toBe('gcr.io/go-containerregistry/crane:debug');
    });

    test('is the same Job as giving the images and their tools one by one', () => {
      const one = synth({ buildJob: { builderImage: BUILDER } }).mirror;
      const imageBuilder = ImageBuilder.skopeo({ image: BUILDER, imageHasTools: true });
      const each = synth({ buildJob: { mirrorImage: BUILDER, mirrorImageHasTools: true, imageBuilder } }).mirror;
      expect(one.buildJob.jobName).toBe(each.buildJob.jobName);
      expect(one.contentHash).toBe(each.contentHash);
    });
  });

  describe('image.registryCa: a private CA for the registry', () => {
    test.each([
      ['a ConfigMap', RegistryCa.fromConfigMap('registry-ca'), { configMap: { name: 'registry-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } }],
      ['a Secret', RegistryCa.fromSecret('registry-tls', 'tls-ca.pem'), { secret: { secretName: 'registry-tls', items: [{ key: 'tls-ca.pem', path: 'ca.crt' }], defaultMode: 0o444 } }],
    ])('from %s: mounted as ca.crt into the check and image steps only, and named to bake-image-oci.sh', (_what, registryCa, volume) => {
      const { pod } = synth({ image: { repository: 'registry.example.com/mini-mirror', registryCa } });
      expect(pod.volumes).toContainEqual({ name: 'registry-ca', ...volume });
      for (const step of [pod.initContainers[0], pod.containers[0]]) {
        expect(step.volumeMounts).toContainEqual({ name: 'registry-ca', mountPath: '/etc/mini-mirror/registry-ca', readOnly: true });
        expect(step.env).toContainEqual({ name: 'MINI_MIRROR_REGISTRY_CA_DIR', value: '/etc/mini-mirror/registry-ca' });
      }
      const mirrorStep = pod.initContainers.find((c: any) => c.name === 'mirror');
      expect(mirrorStep.volumeMounts.map((m: any) => m.name)).not.toContain('registry-ca');
      // public certificates: no fsGroup needed for a non-root reader
      const nonRoot = synth({
        image: { repository: 'registry.example.com/mini-mirror', registryCa },
        buildJob: { builderImage: 'registry.example.com/b:1' },
        signing: ReleaseSigning.insecureUnsigned(),
      });
      expect(nonRoot.pod.securityContext.fsGroup).toBeUndefined();
    });

    test('bake-image-oci.sh gives the directory to skopeo as --cert-dir', () => {
      const script = fs.readFileSync(path.join(__dirname, '..', '..', 'assets', 'bake-image-oci.sh'), 'utf8');
      expect(script).toContain('inspect_flags+=(--cert-dir "$ca_dir")');
      expect(script).toContain('copy_flags+=(--src-cert-dir "$ca_dir" --dest-cert-dir "$ca_dir")');
    });
  });

  describe('the workspace: sized from the mirror size estimate, or a PersistentVolumeClaim', () => {
    const steps = (pod: any) => [...pod.initContainers, ...pod.containers];

    test.each<[string, Size | undefined, string, number]>([
      ['the default (10Gi)', undefined, '21Gi', 21504],
      ['100Gi', Size.gibibytes(100), '201Gi', 205824],
      ['500Mi', Size.mebibytes(500), '2024Mi', 2024],
    ])('estimate %s: sizeLimit and each step\'s ephemeral-storage request are 2 x the estimate + 1Gi', (_what, mirrorSizeEstimate, quantity, mib) => {
      const { pod } = synth({ buildJob: { mirrorSizeEstimate } });
      expect(pod.volumes).toContainEqual({ name: 'workspace', emptyDir: { sizeLimit: quantity } });
      for (const step of steps(pod)) expect(step.resources.requests['ephemeral-storage']).toBe(quantity);
      expect(pod.containers[0].env).toContainEqual({ name: 'MINI_MIRROR_WORKSPACE_LIMIT_MIB', value: String(mib) });
    });

    test('kaniko and crane steps request it too', () => {
      for (const imageBuilder of [ImageBuilder.kaniko(), ImageBuilder.crane()]) {
        expect(steps(synth({ buildJob: { imageBuilder } }).pod).map((c: any) => c.resources.requests['ephemeral-storage'])).toEqual(['21Gi', '21Gi']);
      }
    });

    test('a PersistentVolumeClaim replaces the emptyDir; no ephemeral-storage request then', () => {
      const { pod } = synth({ buildJob: { workspaceVolumeClaim: 'mirror-workspace' } });
      expect(pod.volumes).toContainEqual({ name: 'workspace', persistentVolumeClaim: { claimName: 'mirror-workspace' } });
      for (const step of steps(pod)) expect(step.resources.requests['ephemeral-storage']).toBeUndefined();
      expect(pod.containers[0].env.map((e: any) => e.name)).not.toContain('MINI_MIRROR_WORKSPACE_LIMIT_MIB');
    });

    test('bake-image-oci.sh checks the room for the layer before writing it, and streams the tar (no tarball on the workspace)', () => {
      const script = fs.readFileSync(path.join(__dirname, '..', '..', 'assets', 'bake-image-oci.sh'), 'utf8');
      expect(script.indexOf('check_room $((tree_kib')).toBeGreaterThan(0);
      // the room is checked before the first layer is written: the pool layers, then the top layer
      const firstWrite = script.indexOf('\nadd_pool_layers\n');
      expect(firstWrite).toBeGreaterThan(0);
      expect(script.indexOf('check_room $((tree_kib')).toBeLessThan(firstWrite);
      expect(firstWrite).toBeLessThan(script.lastIndexOf('| umoci raw add-layer'));
      expect(script.match(/\| umoci raw add-layer .*--image "\$oci:base" \/dev\/stdin\n/g)).toHaveLength(2);
    });
  });

  test('secrets at rest: the signing GNUPGHOME on a memory-backed emptyDir; Secret files 0400, group-readable only for a non-root reader', () => {
    const { pod } = synth();
    expect(pod.volumes).toContainEqual({ name: 'gnupg', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
    const mirrorStep = pod.initContainers.find((c: any) => c.name === 'mirror');
    expect(mirrorStep.volumeMounts).toContainEqual({ name: 'gnupg', mountPath: '/run/mini-mirror/gnupg' });
    expect(mirrorStep.env).toContainEqual({ name: 'MINI_MIRROR_GNUPG_DIR', value: '/run/mini-mirror/gnupg' });
    expect(pod.volumes.find((v: any) => v.name === 'push').secret.defaultMode).toBe(0o400);
    // root steps read root-owned 0400 files: no fsGroup, so kubelet keeps them 0400
    expect(pod.securityContext.fsGroup).toBeUndefined();
    // a non-root mirror step reads the signing key through fsGroup (kubelet: 0440, group 65532)
    expect(synth({ buildJob: { mirrorImageHasTools: true } }).pod.securityContext.fsGroup).toBe(65532);
    const unsigned = synth({ buildJob: { mirrorImageHasTools: true }, signing: ReleaseSigning.insecureUnsigned() });
    expect(unsigned.pod.securityContext.fsGroup).toBeUndefined();
    expect(synth({ buildJob: { imageBuilder: ImageBuilder.crane() } }).pod.securityContext.fsGroup).toBe(65532);
  });

  test('a prepared mirror image runs the mirror step as non-root with a read-only root filesystem', () => {
    const { pod } = synth({ buildJob: { mirrorImage: 'registry.example.com/aptly:1.5', mirrorImageHasTools: true } });
    expect(pod.initContainers.find((c: any) => c.name === 'mirror').securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('a build.json too large for its ConfigMap fails at synth time with advice', () => {
    const sources = Array.from({ length: 4000 }, (_, i) => new MirrorSource({ ...SOURCE, packages: SOURCE.packages, prefix: `p${i}` } as any));
    const error = errorOf(() => synth({ sources, clients: { keyPath: '/etc/apt/keyrings/mirror.asc' }, smokeTest: { enabled: false } }));
    expect(error).toMatch(/^the ConfigMap mirror-build-[0-9a-f]{12} would hold \d+ KiB, over the 900 KiB a ConfigMap can safely hold: its build\.json lists 4000 sources: split them over several MiniMirror instances$/);
  });

  test('an unsigned mirror is annotated on every object', () => {
    const { objects } = synth({ signing: ReleaseSigning.insecureUnsigned() });
    for (const o of objects) expect(o.metadata.annotations?.['mini-mirror/insecure']).toMatch(/NOT signed/);
  });

  test.each([
    [{ buildJob: { concurrency: 0 } }, /concurrency must be a whole number from 1 to 64, got 0/],
    [{ buildJob: { retries: 100 } }, /retries must be a whole number from 1 to 20/],
    [{ buildJob: { backoffLimit: 1.5 } }, /^backoffLimit must be a whole number from 0 to 10, got 1\.5$/],
    [{ buildJob: { cpu: 'two' } }, /^cpu "two" is not a Kubernetes quantity: write a number with an optional unit, e\.g\. 500m$/],
    [{ buildJob: { memory: '1 Gi' } }, /^memory "1 Gi" is not a Kubernetes quantity: write a number with an optional unit, e\.g\. 1Gi$/],
    [{ buildJob: { proxy: { httpProxy: 'http://x.example; rm -rf /' } } }, /proxy value for HTTP_PROXY .* contains whitespace or quotes/],
    [{ buildJob: { proxy: { httpsProxy: 'http://user:secret@proxy.example:3128' } } }, /^proxy value for HTTPS_PROXY carries credentials \(user:password@\), which would be written into the Job's YAML: use a proxy that needs no credentials in the URL/],
    [{ image: { repository: 'Registry.Example.com/Mirror' } }, /image repository "Registry\.Example\.com\/Mirror" is not a valid repository/],
    [{ name: 'Mirror_1' }, /name "Mirror_1" must be a DNS label/],
    [{ image: { repository: 'registry.example.com/m', tag: 'latest' } }, /^image tag "latest" is a moving name, but a mirror image tag is written once: give a tag for this build \(e\.g\. a date\), or leave it out/],
    [{ image: { repository: 'registry.example.com/m', tag: '' } }, /^image tag "" is not an OCI tag/],
    [{ image: { repository: 'registry.example.com/m', tag: 'a b' } }, /^image tag "a b" is not an OCI tag/],
    [{ image: { repository: 'registry.example.com/m', tag: '$(id)' } }, /^image tag "\$\(id\)" is not an OCI tag/],
    [{ image: { repository: 'registry.example.com/m', tag: '-v1' } }, /is not an OCI tag/],
    [{ image: { repository: 'registry.example.com/m', tag: 'x'.repeat(129) } }, /is not an OCI tag/],
    [{ refreshEpoch: '2026 11 27' }, /^refreshEpoch "2026 11 27" must be 1 to 64 letters, digits/],
    [{ refreshEpoch: '' }, /^refreshEpoch "" must be/],
    [{ image: { repository: 'registry.example.com/m', insecureRegistry: true }, buildJob: { imageBuilder: ImageBuilder.crane() } }, /^image\.insecureRegistry is supported by ImageBuilder\.skopeo\(\) only, not crane/],
    [{ buildJob: { builderImage: 'registry.example.com/b:1', mirrorImage: 'registry.example.com/a:1' } }, /^builderImage and mirrorImage\/mirrorImageHasTools are both set, but builderImage is the mirror image \(with its tools\): give one of them$/],
    [{ buildJob: { builderImage: 'registry.example.com/b:1', mirrorImageHasTools: false } }, /^builderImage and mirrorImage\/mirrorImageHasTools are both set/],
    [{ buildJob: { builderImage: 'registry.example.com/b:1', imageBuilder: ImageBuilder.skopeo({ image: 'registry.example.com/c:1' }) } }, /^builderImage and ImageBuilder\.skopeo\(\{ image: 'registry\.example\.com\/c:1' \}\) are both set/],
    [{ buildJob: { builderImage: 'registry.example.com/b 1' } }, /"registry\.example\.com\/b 1" is not a valid image reference/],
    [{ image: { repository: 'registry.example.com/m', registryCa: RegistryCa.fromConfigMap('ca') }, buildJob: { imageBuilder: ImageBuilder.kaniko() } }, /^image\.registryCa is supported by ImageBuilder\.skopeo\(\) only, not kaniko: use ImageBuilder\.skopeo\(\)$/],
    [{ image: { repository: 'registry.example.com/m', registryCa: RegistryCa.fromConfigMap('ca'), insecureRegistry: true } }, /^image\.registryCa and image\.insecureRegistry are both set/],
    [{ image: { repository: 'registry.example.com/m', registryCa: RegistryCa.fromConfigMap('ca'), insecureRegistry: true }, buildJob: { imageBuilder: ImageBuilder.kaniko() } }, /^image\.insecureRegistry is supported by ImageBuilder\.skopeo\(\) only, not kaniko/],
    [{ buildJob: { mirrorSizeEstimate: Size.kibibytes(0) } }, /^mirrorSizeEstimate must be at least 1 MiB, got 0 MiB/],
    [{ buildJob: { mirrorSizeEstimate: Size.gibibytes(5), workspaceVolumeClaim: 'w' } }, /^mirrorSizeEstimate sizes the workspace emptyDir, which workspaceVolumeClaim replaces/],
    [{ buildJob: { workspaceVolumeClaim: 'Work_Space' } }, /^workspaceVolumeClaim "Work_Space" is not a valid PersistentVolumeClaim name/],
    [{ sources: [] }, /no sources/],
    [{ sources: [SOURCE, SOURCE] }, /source debian\/bookworm is defined twice: remove one/],
    [{ defaultAptlyConfig: AptlyConfig.fromJson({ gpgDisableVerify: true }, 'seed aptly.conf') }, /default aptly config \(seed aptly\.conf\) sets "gpgDisableVerify": true, which source debian\/bookworm would use/],
  ])('rejects %j', (props, expected) => {
    expect(errorOf(() => synth(props as Partial<MiniMirrorProps>))).toMatch(expected);
  });
});

describe('ImageBuilder', () => {
  test.each([
    [() => ImageBuilder.crane({ baseImage: 'nginx; id' }), /^"nginx; id" is not a valid image reference$/],
    [() => ImageBuilder.kaniko({ image: '--flag' }), /^"--flag" is not a valid image reference$/],
    [() => ImageBuilder.skopeo({ image: 'a b' }), /^"a b" is not a valid image reference$/],
  ])('rejects bad image references: %#', (make, expected) => {
    expect(errorOf(make)).toMatch(expected);
  });

  test('each builder says what it is', () => {
    expect(ImageBuilder.skopeo()).toMatchObject({ kind: 'skopeo', imageHasTools: false, image: 'docker.io/library/debian:bookworm-slim' });
    expect(ImageBuilder.crane()).toMatchObject({ kind: 'crane', imageHasTools: true, image: 'gcr.io/go-containerregistry/crane:debug' });
    expect(ImageBuilder.kaniko()).toMatchObject({ kind: 'kaniko', imageHasTools: true, image: 'gcr.io/kaniko-project/executor:v1.23.2' });
  });
});

describe('RegistryCa', () => {
  test('defaults to the key ca.crt', () => {
    expect(RegistryCa.fromConfigMap('registry-ca')).toMatchObject({ kind: 'configMap', name: 'registry-ca', key: 'ca.crt' });
    expect(RegistryCa.fromSecret('registry-tls')).toMatchObject({ kind: 'secret', name: 'registry-tls', key: 'ca.crt' });
  });

  test.each([
    [() => RegistryCa.fromConfigMap('Registry CA'), /^registry CA configMap name "Registry CA" is not a valid object name/],
    [() => RegistryCa.fromSecret('tls', 'a/b'), /^registry CA key "a\/b" is not a valid secret key/],
  ])('rejects bad names: %#', (make, expected) => {
    expect(errorOf(make)).toMatch(expected);
  });
});
