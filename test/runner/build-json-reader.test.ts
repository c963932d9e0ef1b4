import * as path from 'path';
import { Duration } from 'cdk8s';
import { readBuildConfig } from '../../src/runner/build-json-reader';
import { synthMirror } from '../serving/fixtures';
import { errorOf, writeTree } from '../support/tree';

const SOURCE = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'http://debian.mirror.example/key.asc',
  distribution: 'bookworm',
  components: ['main'],
  publishDistribution: 'bookworm',
  world: 'bookworm',
  architectures: ['amd64'],
};

function read(fields: Record<string, unknown>) {
  const dir = writeTree({ 'build.json': JSON.stringify({ version: 2, sources: [SOURCE], ...fields }) });
  return readBuildConfig(path.join(dir, 'build.json'));
}

describe('build.json validForSeconds', () => {
  test('GIVEN none or null THEN no Valid-Until (null)', () => {
    expect(read({}).validForSeconds).toBeNull();
    expect(read({ validForSeconds: null }).validForSeconds).toBeNull();
  });
  test('GIVEN whole seconds THEN they are kept', () => {
    expect(read({ validForSeconds: 604800 }).validForSeconds).toBe(604800);
  });
  test.each([[0], [-5], [1.5], ['7d']])('GIVEN %p THEN the build fails naming the field', (value) => {
    expect(errorOf(() => read({ validForSeconds: value }))).toMatch(/build\.json: validForSeconds must be a whole number of seconds above 0 or null, got /);
  });
  test('GIVEN MiniMirror validFor THEN the synthesized build.json carries it and the build identity changes with it', () => {
    const plain = synthMirror();
    const valid = synthMirror({ props: { validFor: Duration.days(14) } });
    const buildJsonOf = (manifests: any[]) => JSON.parse(manifests.find(m => m.kind === 'ConfigMap' && m.data?.['build.json']).data['build.json']);
    expect(buildJsonOf(plain.manifests).validForSeconds).toBeNull();
    expect(buildJsonOf(valid.manifests).validForSeconds).toBe(14 * 86400);
    expect(valid.mirror.buildIdentity).not.toBe(plain.mirror.buildIdentity);
    // and the runner reads what the construct wrote
    const dir = writeTree({ 'build.json': valid.manifests.find(m => m.kind === 'ConfigMap' && m.data?.['build.json']).data['build.json'] });
    expect(readBuildConfig(path.join(dir, 'build.json')).validForSeconds).toBe(14 * 86400);
  });
});
