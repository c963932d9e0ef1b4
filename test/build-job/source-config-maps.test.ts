import { Testing } from 'cdk8s';
import { AptlyConfig, MirrorSource, SourceConfigMaps } from '../../src';
import { errorOf } from '../support/tree';

function source(i: number, packages = ['nginx', 'curl (>= 7.88)']): MirrorSource {
  return new MirrorSource({
    prefix: i % 2 ? 'vendor' : 'debian',
    name: `s${i}`,
    url: 'http://debian.mirror.example/debian',
    keyUrl: 'https://debian.mirror.example/key.asc',
    distribution: `dist${i}`,
    components: ['main'],
    packages,
    aptlyConfig: i === 1 ? AptlyConfig.fromProps({ architectures: ['amd64'] }) : undefined,
  });
}

describe('SourceConfigMaps', () => {
  test('GIVEN two sources WHEN synthesized THEN one immutable ConfigMap with the seed files', () => {
    const chart = Testing.chart();
    const maps = new SourceConfigMaps(chart, 'sources', { sources: [source(0), source(1)], namePrefix: 'mirror' });
    const objects = Testing.synth(chart);
    expect(objects).toMatchSnapshot();
    expect(objects).toHaveLength(1);
    expect(objects[0].immutable).toBe(true);
    expect(maps.configMapNames).toEqual([objects[0].metadata.name]);
    expect(maps.volumeProjections()[0].configMap!.items!.map(i => i.path)).toEqual([
      'debian/s0/source.txt', 'debian/s0/packages.txt',
      'vendor/s1/source.txt', 'vendor/s1/packages.txt', 'vendor/s1/aptly.conf',
    ]);
  });

  test('the content hash is stable and changes with any file', () => {
    const hash = (sources: MirrorSource[]) => new SourceConfigMaps(Testing.chart(), 'x', { sources, namePrefix: 'm' }).contentHash;
    expect(hash([source(0)])).toBe(hash([source(0)]));
    expect(hash([source(0)])).not.toBe(hash([source(0, ['nginx'])]));
    expect(hash([source(0)])).toMatch(/^[0-9a-f]{64}$/);
  });

  test('splits well before 1 MiB and never splits one source', () => {
    const big = (i: number) => source(i, Array.from({ length: 6000 }, (_, j) => `package-number-${i}-${j} (>= 1.0.${j})`));
    const chart = Testing.chart();
    const maps = new SourceConfigMaps(chart, 'sources', { sources: [0, 1, 2, 3, 4].map(big), namePrefix: 'mirror' });
    const objects = Testing.synth(chart);
    expect(objects.length).toBeGreaterThan(1);
    expect(maps.configMapNames).toHaveLength(objects.length);
    for (const o of objects) {
      expect(Buffer.byteLength(JSON.stringify(o))).toBeLessThan(600 * 1024);
      // all files of a source are in the same ConfigMap
      const ids = new Set(Object.keys(o.data).map(k => k.split('_').slice(0, 2).join('_')));
      for (const id of ids) expect(Object.keys(o.data).filter(k => k.startsWith(`${id}_`))).toHaveLength(2 + (id === 'vendor_s1' ? 1 : 0));
    }
  });

  test('refuses a source that cannot fit one ConfigMap', () => {
    const huge = source(0, Array.from({ length: 40000 }, (_, j) => `package-number-${j} (>= 1.0.${j})`));
    expect(errorOf(() => new SourceConfigMaps(Testing.chart(), 'x', { sources: [huge], namePrefix: 'm' }))).toMatch(/source debian\/s0 needs \d+ KiB of ConfigMap data.*split its packages/);
  });
});
