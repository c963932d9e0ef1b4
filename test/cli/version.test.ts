import * as fs from 'fs';
import * as path from 'path';
import { packageVersion } from '../../src/cli/version';
import { writeTree } from '../support/tree';

const ROOT = path.join(__dirname, '..', '..');

describe('packageVersion', () => {
  test('from src/cli (ts-node) and lib/cli (compiled) alike', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(packageVersion(path.join(ROOT, 'src', 'cli'))).toBe(version);
    expect(packageVersion(path.join(ROOT, 'lib', 'cli'))).toBe(version);
  });

  test('skips package.json files of other packages and broken ones on the way up', () => {
    const root = writeTree({
      'package.json': '{ "name": "the-app", "version": "9.9.9" }',
      'node_modules/cdk8s-mini-mirror/package.json': '{ "name": "cdk8s-mini-mirror", "version": "1.2.3" }',
      'node_modules/cdk8s-mini-mirror/lib/package.json': '{ "type": "commonjs" }',
      'node_modules/cdk8s-mini-mirror/lib/cli/package.json': 'not json',
    });
    expect(packageVersion(path.join(root, 'node_modules', 'cdk8s-mini-mirror', 'lib', 'cli'))).toBe('1.2.3');
  });

  test('says so when there is none', () => {
    const root = writeTree({ 'package.json': '{ "name": "the-app", "version": "9.9.9" }', 'lib/cli/': '' });
    expect(() => packageVersion(path.join(root, 'lib', 'cli'))).toThrow(/^cannot find the package.json of cdk8s-mini-mirror above .*: reinstall the package$/);
  });
});
