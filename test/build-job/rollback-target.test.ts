import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { ImageBuilder, MiniMirror, MiniMirrorProps, MirrorSource, PreviousManifest, RegistryCa, ReleaseSigning, RollbackTarget } from '../../src';
import { BUILD_JSON_FILE } from '../../src/contract/build-json';
import { readBuildConfig } from '../../src/runner/build-json-reader';
import { checkPodSecurity, formatViolations } from '../support/pss';
import { validateAll } from '../support/schema';
import { BOOKWORM } from '../support/source-props';
import { errorOf, writeTree } from '../support/tree';

const PUBLIC_KEY = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'mirror.pub.asc'), 'utf8');
const SOURCE = new MirrorSource(BOOKWORM);
const OLD = 'registry.example.com/mini-mirror:0123456789abcdef0123';
const DIGEST = `registry.example.com/mini-mirror@sha256:${'ab'.repeat(32)}`;

function synth(overrides: Partial<MiniMirrorProps> = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
  const mirror = new MiniMirror(chart, 'mirror', {
    sources: [SOURCE],
    signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: PUBLIC_KEY }),
    image: { repository: 'registry.example.com/mini-mirror', pushSecretName: 'registry-push', registryCa: RegistryCa.fromConfigMap('registry-ca') },
    ...overrides,
  });
  const objects = Testing.synth(chart);
  const job = objects.find(o => o.kind === 'Job' && o.metadata.name === mirror.buildJob.jobName);
  const config = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === mirror.buildJob.configMapName);
  return { mirror, objects, job, config, pod: job.spec.template.spec };
}

const rollback = (reference: string, more: MiniMirrorProps['buildJob'] = {}) => synth({ buildJob: { rollbackTo: RollbackTarget.image(reference), ...more } });

describe('BuildOptions.rollbackTo', () => {
  test('GIVEN an earlier image WHEN synthesized THEN a rollback step runs between the check and the mirror step, with the check step\'s registry settings', () => {
    const { pod, config } = rollback(OLD);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['check', 'rollback', 'mirror']);
    const [check, step] = pod.initContainers;
    expect(step.image).toBe(check.image);
    expect(step.command).toEqual(['bash', '/etc/mini-mirror/build/fetch-rollback.sh']);
    expect(step.volumeMounts).toEqual(check.volumeMounts);
    expect(step.securityContext).toEqual(check.securityContext);
    const env = Object.fromEntries(step.env.map((e: any) => [e.name, e.value]));
    // the reference is a value of its own, never part of the command
    expect(env.MINI_MIRROR_ROLLBACK_IMAGE).toBe(OLD);
    expect(JSON.stringify(step.command)).not.toContain(OLD);
    expect(env).toMatchObject({ REGISTRY_AUTH_FILE: '/etc/mini-mirror/push/config.json', MINI_MIRROR_REGISTRY_CA_DIR: '/etc/mini-mirror/registry-ca' });
    expect(env).not.toHaveProperty('MINI_MIRROR_IMAGE');
    expect(env).not.toHaveProperty('MINI_MIRROR_CHECK_ONLY');
    expect(config.data['fetch-rollback.sh']).toBe(fs.readFileSync(path.join(__dirname, '..', '..', 'assets', 'fetch-rollback.sh'), 'utf8'));
    expect({ step, configKeys: Object.keys(config.data).sort() }).toMatchSnapshot();
  });

  test('GIVEN a rollback with prepared images THEN the objects are valid and the build pod meets restricted', () => {
    const { objects, job } = rollback(OLD, { builderImage: 'registry.example.com/mini-mirror-builder:bookworm-1' });
    expect(validateAll(objects)).toEqual([]);
    expect(formatViolations(checkPodSecurity(job, 'restricted'))).toEqual([]);
    expect(job.spec.template.spec.initContainers[1]).toMatchObject({ name: 'rollback', image: 'registry.example.com/mini-mirror-builder:bookworm-1' });
  });

  test('GIVEN a rollback THEN build.json names the tree the step fetches, and the runner reads it', () => {
    const { config } = rollback(DIGEST);
    const written = JSON.parse(config.data[BUILD_JSON_FILE]);
    expect(written.rollbackFrom).toBe('/workspace/rollback-from');
    const dir = writeTree({ [BUILD_JSON_FILE]: config.data[BUILD_JSON_FILE] });
    expect(readBuildConfig(path.join(dir, BUILD_JSON_FILE)).rollbackFrom).toBe('/workspace/rollback-from');
  });

  test('GIVEN a rollback THEN it is a build of its own: identity, tag, Job and ConfigMap differ from the build and from a rollback elsewhere', () => {
    const plain = synth();
    const a = rollback(OLD);
    const b = rollback(DIGEST);
    const ids = [plain, a, b].map(s => s.mirror.buildIdentity);
    expect(new Set(ids).size).toBe(3);
    expect(new Set([plain, a, b].map(s => s.mirror.imageRef)).size).toBe(3);
    expect(new Set([plain, a, b].map(s => s.mirror.buildJob.configMapName)).size).toBe(3);
    expect(a.mirror.imageRef).toBe(`registry.example.com/mini-mirror:${a.mirror.buildIdentity.slice(0, 20)}`);
    // the same target again is the same build (a re-created Job finds its tag and builds nothing)
    expect(rollback(OLD).mirror.buildIdentity).toBe(a.mirror.buildIdentity);
    // and the mirror step skips it when the check step found it
    const mirror = a.pod.initContainers.find((c: any) => c.name === 'mirror');
    expect(mirror.env).toContainEqual({ name: 'MINI_MIRROR_BUILD_IDENTITY', value: a.mirror.buildIdentity });
  });

  test('GIVEN no rollback THEN neither build.json nor the ConfigMap mention one', () => {
    const { pod, config } = synth();
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['check', 'mirror']);
    expect(JSON.parse(config.data[BUILD_JSON_FILE])).not.toHaveProperty('rollbackFrom');
    expect(config.data).not.toHaveProperty('fetch-rollback.sh');
  });

  test.each([
    ['registry.example.com/mini-mirror', 'is not an image reference with its tag or digest'],
    ['mini-mirror:1', 'is not an image reference with its tag or digest'],
    ['registry.example.com/mini-mirror:$(rm -rf /)', 'is not an image reference with its tag or digest'],
    ['registry.example.com/mini-mirror@sha256:abc', 'is not an image reference with its tag or digest'],
    ['registry.example.com/Mini-Mirror:1', 'is not an image reference with its tag or digest'],
    ['registry.example.com/mini-mirror:latest', 'names the tag "latest", a moving name'],
  ])('GIVEN the reference %s THEN synth fails saying what to give', (reference, problem) => {
    const message = errorOf(() => RollbackTarget.image(reference));
    expect(message).toContain(problem);
    expect(message).toContain('give the earlier build\'s serving image as REPOSITORY:TAG');
    expect(message).toMatch(/^rollbackTo image /);
  });

  test('GIVEN an image in another registry than the one pushed to THEN synth fails naming both', () => {
    expect(errorOf(() => rollback('other.registry.example/mini-mirror:1'))).toBe(
      'rollbackTo image "other.registry.example/mini-mirror:1" is in registry other.registry.example, but the build pushes to registry.example.com (image.repository): '
      + 'the earlier image is fetched with that registry\'s settings (push Secret, registryCa, insecureRegistry): give the earlier build\'s image in registry.example.com');
    // another repository in the same registry is fine
    expect(rollback('registry.example.com/older/mini-mirror:1').pod.initContainers[1].name).toBe('rollback');
  });

  test('GIVEN no previous manifest or another image builder THEN synth fails saying what to do', () => {
    expect(errorOf(() => rollback(OLD, { previousManifest: PreviousManifest.none() })))
      .toContain('rollbackTo dates the rollback one second after the build served now, read from previousManifest, but there is none');
    const crane = { rollbackTo: RollbackTarget.image(OLD), imageBuilder: ImageBuilder.crane() };
    expect(errorOf(() => synth({ image: { repository: 'registry.example.com/mini-mirror' }, buildJob: crane })))
      .toBe('rollbackTo needs ImageBuilder.skopeo(), whose tools (skopeo, umoci) fetch the earlier image, not crane(): use ImageBuilder.skopeo()');
    // a manifest read elsewhere dates it as well
    const { config } = rollback(OLD, { previousManifest: PreviousManifest.fromUrl('http://debian.mirror.example/manifest.json') });
    expect(JSON.parse(config.data[BUILD_JSON_FILE]).previousManifest).toBe('http://debian.mirror.example/manifest.json');
  });
});
