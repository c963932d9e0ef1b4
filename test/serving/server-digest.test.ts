/**
 * Serving by digest: with image.digest every replica runs `<repository>@sha256:...` (one tree,
 * whatever the tag holds later); without it the tag is pulled on every start, never IfNotPresent.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { objectOf, synthMirror } from './fixtures';
import { checkImageDigest, servingImage } from '../../src/build-job/image-digest';
import { run } from '../cli/run';
import { SNAPSHOT_PUBLIC_KEY } from '../support/test-keys';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const REPOSITORY = 'registry.example.com/platform/mini-mirror';

function nginxOf(manifests: any[]) {
  const deployment = objectOf(manifests, 'Deployment', 'mirror-server');
  return { deployment, template: deployment.spec.template, nginx: deployment.spec.template.spec.containers[0] };
}

describe('GIVEN image.digest', () => {
  const { manifests, mirror } = synthMirror({ props: { image: { repository: REPOSITORY, digest: DIGEST } } });
  const { template, nginx } = nginxOf(manifests);

  test('THEN the pods run <repository>@<digest>, which names one content, so a cached copy is as good', () => {
    expect(nginx.image).toBe(`${REPOSITORY}@${DIGEST}`);
    expect(nginx.imagePullPolicy).toBe('IfNotPresent');
  });

  test('THEN the tag the digest belongs to is kept in an annotation, and the build Job still pushes the tag', () => {
    expect(template.metadata.annotations['mini-mirror/image-tag']).toBe(mirror.imageRef);
    expect(mirror.imageRef).toMatch(new RegExp(`^${REPOSITORY}:[0-9a-f]{20}$`));
    const job = manifests.find(o => o.kind === 'Job' && o.metadata.labels['app.kubernetes.io/component'] === 'build');
    const imageStep = job.spec.template.spec.containers.find((c: any) => c.name === 'image');
    expect(imageStep.env).toContainEqual({ name: 'MINI_MIRROR_IMAGE', value: mirror.imageRef });
  });

  test('THEN the digest does not change what is built: the same build identity as without it', () => {
    expect(mirror.buildIdentity).toBe(synthMirror().mirror.buildIdentity);
  });
});

describe('GIVEN no digest', () => {
  const { manifests, mirror } = synthMirror();
  const { template, nginx } = nginxOf(manifests);

  test('THEN the pods run the tag, pulled Always: a node never serves a stale copy of a moved tag', () => {
    expect(nginx.image).toBe(mirror.imageRef);
    expect(nginx.imagePullPolicy).toBe('Always');
    expect(template.metadata.annotations['mini-mirror/image-tag']).toBeUndefined();
  });
});

describe('GIVEN a malformed digest', () => {
  test.each([
    ['without the algorithm', '0123456789abcdef'.repeat(4)],
    ['too short', 'sha256:0123'],
    ['upper-case hex', `sha256:${'0123456789ABCDEF'.repeat(4)}`],
    ['another algorithm', `sha512:${'0123456789abcdef'.repeat(8)}`],
    ['with the repository', `${REPOSITORY}@${DIGEST}`],
  ])('%s: refused at synth, saying what a digest looks like and where to find it', (_what, digest) => {
    expect(() => synthMirror({ props: { image: { repository: REPOSITORY, digest } } }))
      .toThrow(`image.digest "${digest}" is not an image digest: give sha256: and 64 lower-case hex digits, as in the last line of the image step or of mini-mirror build (image: REPOSITORY@sha256:...)`);
  });

  test('checkImageDigest returns a good one unchanged; servingImage keeps a registry port in the repository', () => {
    expect(checkImageDigest('x', DIGEST)).toBe(DIGEST);
    expect(servingImage('127.0.0.1:5000/a/b:tag1', DIGEST)).toEqual({ image: `127.0.0.1:5000/a/b@${DIGEST}`, pullPolicy: 'IfNotPresent' });
    expect(servingImage('127.0.0.1:5000/a/b:tag1', undefined)).toEqual({ image: '127.0.0.1:5000/a/b:tag1', pullPolicy: 'Always' });
  });
});

describe('GIVEN mini-mirror synth --prebuilt --image-digest', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-digest-cli-'));
    fs.mkdirSync(path.join(dir, 'sources', 'debian', 'bookworm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sources', 'debian', 'bookworm', 'source.txt'), 'https://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main\n');
    fs.writeFileSync(path.join(dir, 'sources', 'debian', 'bookworm', 'packages.txt'), 'jq\n');
    fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), SNAPSHOT_PUBLIC_KEY);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const args = (...more: string[]) => ['synth', '--sources', path.join(dir, 'sources'), '--signing-secret', 'mirror-signing',
    '--public-key', path.join(dir, 'mirror.pub.asc'), '--image', REPOSITORY, '--namespace', 'apt-mirror', '--out', path.join(dir, 'out'), '--prebuilt', ...more];

  test('THEN the Deployment runs the digest, and the output line says so', () => {
    const r = run(...args('--image-digest', DIGEST, '--smoke-test-image', 'registry.example.com/debian:bookworm-slim'));
    // stderr: only the images the YAML names (--prebuilt lists them), all in the --image registry
    expect(r.err).toBe(`images the YAML names (the cluster pulls them from their registries): ${REPOSITORY}@${DIGEST}, registry.example.com/debian:bookworm-slim`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`(served as @${DIGEST})`);
    const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'out', 'mirror.k8s.yaml'), 'utf8')).map(d => d.toJSON());
    expect(objects.some(o => o.kind === 'Job' && o.metadata.labels['app.kubernetes.io/component'] === 'build')).toBe(false);
    expect(nginxOf(objects).nginx.image).toBe(`${REPOSITORY}@${DIGEST}`);
  });

  test('THEN a malformed digest is an input problem naming the flag, and nothing is written', () => {
    fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
    const r = run(...args('--image-digest', 'sha256:abc'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('--image-digest "sha256:abc" is not an image digest: give sha256: and 64 lower-case hex digits');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});
