import { Chart, Testing } from 'cdk8s';
import { MiniMirror, MiniMirrorProps, MirrorSource, ReleaseSigning, RollbackTarget } from '../src';
import { BOOKWORM } from './support/source-props';

function synth(inClusterBuild?: boolean, extra: Record<string, unknown> = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
  const mirror = new MiniMirror(chart, 'mirror', {
    ...extra as Partial<MiniMirrorProps>,
    sources: [new MirrorSource(BOOKWORM)],
    signing: ReleaseSigning.insecureUnsigned(),
    image: { repository: 'registry.example.com/mini-mirror' },
    inClusterBuild,
  });
  return { mirror, objects: Testing.synth(chart) };
}

describe('MiniMirror', () => {
  test('GIVEN inClusterBuild: false WHEN synthesized THEN no build Job or sources ConfigMaps, and the same image as a build would push', () => {
    const built = synth();
    const prebuilt = synth(false);
    expect(prebuilt.mirror.imageRef).toBe(built.mirror.imageRef);
    expect(prebuilt.mirror.buildIdentity).toBe(built.mirror.buildIdentity);
    const components = (objects: any[]) => objects.map(o => o.metadata.labels?.['app.kubernetes.io/component']);
    expect(components(built.objects)).toContain('build');
    expect(components(prebuilt.objects)).not.toContain('build');
    const deployment = prebuilt.objects.find(o => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].image).toBe(built.mirror.imageRef);
    // everything else is what the in-cluster variant synthesizes
    const rest = (objects: any[]) => objects.filter(o => o.metadata.labels?.['app.kubernetes.io/component'] !== 'build');
    expect(rest(prebuilt.objects)).toEqual(rest(built.objects));
  });

  test('GIVEN inClusterBuild: false THEN no build construct is made, and asking for one says why', () => {
    const { mirror } = synth(false);
    expect(mirror.node.tryFindChild('build')).toBeUndefined();
    expect(mirror.node.tryFindChild('sources')).toBeUndefined();
    expect(() => mirror.buildJob).toThrow('mirror mirror has inClusterBuild: false, so it has no buildJob: the build runs elsewhere (mini-mirror build)');
    expect(() => mirror.sourceConfigMaps).toThrow('so it has no sourceConfigMaps');
    const built = synth().mirror;
    expect(built.buildJob.imageRef).toBe(built.imageRef);
    expect(built.node.tryFindChild('sources')).toBe(built.sourceConfigMaps);
  });

  test('GIVEN inClusterBuild: false THEN the build options are still checked, as for a build in the cluster', () => {
    for (const inClusterBuild of [undefined, false]) {
      expect(() => synth(inClusterBuild, { buildJob: { proxy: { httpProxy: 'http://user:secret@proxy.example:3128' } } })).toThrow(/HTTP_PROXY/);
      expect(() => synth(inClusterBuild, { buildJob: { concurrency: 0 } })).toThrow(/concurrency/);
    }
  });

  test('GIVEN inClusterBuild: false AND buildJob.rollbackTo THEN synth fails: the rollback is a build Job\'s, the host builds with --rollback-to', () => {
    const rollbackTo = RollbackTarget.image('registry.example.com/mini-mirror:0123456789abcdef0123');
    expect(() => synth(false, { buildJob: { rollbackTo } })).toThrow('buildJob.rollbackTo is a rollback by the build Job, but inClusterBuild is false: roll back on the host that builds (mini-mirror build --rollback-to');
    expect(synth(undefined, { buildJob: { rollbackTo } }).mirror.buildJob.node.tryFindChild('job')).toBeDefined();
  });

  // What TypeScript's type check says, for JavaScript callers and transpile-only builds.
  test.each<[Record<string, unknown>, string]>([
    [{ buildOptions: { concurrency: 2 } }, 'buildOptions is not a MiniMirror prop: its options are now given as buildJob'],
    [{ build: { concurrency: 2 } }, 'build is not a MiniMirror prop: its options are now given as buildJob'],
    [{ smokeTestOptions: { maxPackages: 3 } }, 'smokeTestOptions is not a MiniMirror prop: its options are now given as smokeTest'],
    [{ smokeTest: false }, 'smokeTest takes SmokeTestOptions, not false: give smokeTest: { enabled: false } to leave the smoke test out'],
    [{ smokeTest: true }, 'smokeTest takes SmokeTestOptions, not true: give smokeTest: { enabled: false } to leave the smoke test out'],
  ])('GIVEN the old prop %j THEN synth fails saying what replaced it', (props, message) => {
    expect(() => synth(undefined, props)).toThrow(message);
  });

  test('GIVEN smokeTest: { enabled: false } THEN no smoke-test Job; { enabled: true } is the default', () => {
    const off = synth(undefined, { smokeTest: { enabled: false } });
    expect(off.mirror.smokeTest).toBeUndefined();
    expect(off.objects.map(o => o.metadata.labels?.['app.kubernetes.io/component'])).not.toContain('smoke-test');
    expect(synth(undefined, { smokeTest: { enabled: true } }).objects).toEqual(synth().objects);
  });
});
