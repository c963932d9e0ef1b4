import * as path from 'path';
import { readBuildConfig } from '../../../src/runner/build-json-reader';
import { errorOf, writeTree } from '../../support/tree';

// build.json's keyFile (docs/build-contract.md): the key is a file in the source's directory of
// the sources mount, instead of keyUrl; the runner takes only the names the construct writes.
const SOURCE = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  distribution: 'bookworm',
  components: ['main'],
  publishDistribution: 'bookworm',
  world: 'bookworm',
  architectures: ['amd64'],
};

function read(key: Record<string, unknown>) {
  const dir = writeTree({ 'build.json': JSON.stringify({ version: 2, sources: [{ ...SOURCE, ...key }] }) });
  return readBuildConfig(path.join(dir, 'build.json'));
}

test.each(['key.asc', 'key.gpg', 'key'])('GIVEN keyFile %s and keyUrl null THEN it is read', name => {
  expect(read({ keyUrl: null, keyFile: name }).sources[0]).toMatchObject({ keyUrl: null, keyFile: name });
});

test('GIVEN keyUrl only THEN as before', () => {
  expect(read({ keyUrl: 'https://debian.mirror.example/key.asc' }).sources[0].keyFile).toBeUndefined();
});

test.each([
  ['both', { keyUrl: 'https://debian.mirror.example/key.asc', keyFile: 'key.asc' }, /source debian\/bookworm: give exactly one of keyUrl and keyFile$/],
  ['neither', { keyUrl: null }, /source debian\/bookworm: give exactly one of keyUrl and keyFile$/],
  ['a path out of the source directory', { keyUrl: null, keyFile: '../../etc/passwd' }, /source debian\/bookworm: invalid keyFile "\.\.\/\.\.\/etc\/passwd" \(key\.asc, key\.gpg or key\)$/],
])('GIVEN %s THEN refused', (_name, key, expected) => {
  expect(errorOf(() => read(key))).toMatch(expected);
});
