import * as fs from 'fs';
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import { AptlyConfig, ImageBuilder, MiniMirror, MiniMirrorProps, MirrorSource, ReleaseSigning } from '../../src';
import { errorOf } from '../support/tree';

const PUBLIC_KEY = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'mirror.pub.asc'), 'utf8');
const SOURCE = new MirrorSource({
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'http://debian.mirror.example/key.asc',
  distribution: 'bookworm',
  components: ['main'],
  packages: ['nginx'],
});

function synth(overrides: Partial<MiniMirrorProps> = {}) {
  const chart = Testing.chart();
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
    expect(synth({ buildOptions: { mirrorImage: 'registry.example.com/debian:bookworm' } }).mirror.contentHash).not.toBe(base.contentHash);
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
      ['proxy', { buildOptions: { proxy: { httpsProxy: 'http://proxy.example:3128' } } }],
      ['noProxy', { buildOptions: { proxy: { noProxy: 'registry.example.com' } } }],
      ['memory', { buildOptions: { memory: '2Gi' } }],
      ['cpu', { buildOptions: { cpu: '2' } }],
      ['nodeSelector', { buildOptions: { nodeSelector: { pool: 'build' } } }],
      ['backoffLimit', { buildOptions: { backoffLimit: 2 } }],
      ['activeDeadline', { buildOptions: { activeDeadline: Duration.hours(5) } }],
      ['ttlAfterFinished', { buildOptions: { ttlAfterFinished: Duration.days(1) } }],
      ['mirrorImageHasTools', { buildOptions: { mirrorImageHasTools: true } }],
      ['imageBuilder', { buildOptions: { imageBuilder: ImageBuilder.kaniko() } }],
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
      expect(smokeName({ smokeTestOptions: { nodeSelector: { pool: 'test' } } })).not.toBe(name);
      expect(smokeName({ smokeTestOptions: { image: 'registry.example.com/debian:bookworm' } })).not.toBe(name);
      expect(smokeName({ smokeTestOptions: { ttlAfterFinished: Duration.days(1) } })).not.toBe(name);
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
    expect(synth({ buildOptions: { imageBuilder: ImageBuilder.crane() } }).pod.initContainers.map((c: any) => c.name)).toEqual(['mirror']);
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
      buildOptions: {
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
    const prepared = synth({ buildOptions: { imageBuilder: ImageBuilder.skopeo({ imageHasTools: true, image: 'registry.example.com/oci-tools:1' }) } }).pod.containers[0];
    expect(prepared.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true });
    expect(prepared.image).toBe('registry.example.com/oci-tools:1');
  });

  test('insecureRegistry: plain HTTP for the image step, with a warning annotation', () => {
    const { job, pod } = synth({ image: { repository: 'registry.example.com/mini-mirror', insecureRegistry: true } });
    expect(pod.containers[0].env).toContainEqual({ name: 'MINI_MIRROR_INSECURE_REGISTRY', value: 'true' });
    expect(job.metadata.annotations['mini-mirror/insecure-registry']).toMatch(/plain HTTP/);
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
    expect(synth({ buildOptions: { mirrorImageHasTools: true } }).pod.securityContext.fsGroup).toBe(65532);
    const unsigned = synth({ buildOptions: { mirrorImageHasTools: true }, signing: ReleaseSigning.insecureUnsigned() });
    expect(unsigned.pod.securityContext.fsGroup).toBeUndefined();
    expect(synth({ buildOptions: { imageBuilder: ImageBuilder.crane() } }).pod.securityContext.fsGroup).toBe(65532);
  });

  test('a prepared mirror image runs the mirror step as non-root with a read-only root filesystem', () => {
    const { pod } = synth({ buildOptions: { mirrorImage: 'registry.example.com/aptly:1.5', mirrorImageHasTools: true } });
    expect(pod.initContainers.find((c: any) => c.name === 'mirror').securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('a build.json too large for its ConfigMap fails at synth time with advice', () => {
    const sources = Array.from({ length: 4000 }, (_, i) => new MirrorSource({ ...SOURCE, packages: SOURCE.packages, prefix: `p${i}` } as any));
    const error = errorOf(() => synth({ sources, clients: { keyPath: '/etc/apt/keyrings/mirror.asc' }, smokeTest: false }));
    expect(error).toMatch(/^the ConfigMap mirror-build-[0-9a-f]{12} would hold \d+ KiB, over the 900 KiB a ConfigMap can safely hold: its build\.json lists 4000 sources: split them over several MiniMirror instances$/);
  });

  test('an unsigned mirror is annotated on every object', () => {
    const { objects } = synth({ signing: ReleaseSigning.insecureUnsigned() });
    for (const o of objects) expect(o.metadata.annotations?.['mini-mirror/insecure']).toMatch(/NOT signed/);
  });

  test.each([
    [{ buildOptions: { concurrency: 0 } }, /concurrency must be a whole number from 1 to 64, got 0/],
    [{ buildOptions: { retries: 100 } }, /retries must be a whole number from 1 to 20/],
    [{ buildOptions: { proxy: { httpProxy: 'http://x.example; rm -rf /' } } }, /proxy value for HTTP_PROXY .* contains whitespace or quotes/],
    [{ buildOptions: { proxy: { httpsProxy: 'http://user:secret@proxy.example:3128' } } }, /^proxy value for HTTPS_PROXY carries credentials \(user:password@\), which would be written into the Job's YAML: use a proxy that needs no credentials in the URL/],
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
    [{ image: { repository: 'registry.example.com/m', insecureRegistry: true }, buildOptions: { imageBuilder: ImageBuilder.crane() } }, /^image\.insecureRegistry is supported by ImageBuilder\.skopeo\(\) only, not crane/],
    [{ sources: [] }, /no sources/],
    [{ sources: [SOURCE, SOURCE] }, /source debian\/bookworm is defined twice: remove one/],
    [{ defaultAptlyConfig: AptlyConfig.fromJson({ gpgDisableVerify: true }, 'seed aptly.conf') }, /default aptly config \(seed aptly\.conf\) sets "gpgDisableVerify": true, which source debian\/bookworm would use/],
  ])('rejects %j', (props, expected) => {
    expect(errorOf(() => synth(props as Partial<MiniMirrorProps>))).toMatch(expected);
  });
});
