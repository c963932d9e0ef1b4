import { Chart, Testing } from 'cdk8s';
import { MiniMirror, MirrorSource, ReleaseSigning } from '../src';

function synth(inClusterBuild?: boolean) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
  const mirror = new MiniMirror(chart, 'mirror', {
    sources: [new MirrorSource({
      prefix: 'debian',
      name: 'bookworm',
      url: 'http://debian.mirror.example/debian',
      keyUrl: 'http://debian.mirror.example/key.asc',
      distribution: 'bookworm',
      components: ['main'],
      packages: ['nginx'],
    })],
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
});
