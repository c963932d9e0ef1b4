// allowDistributionMismatch through the stack: props, YAML, load overrides, CLI flag, build.json
// writer and the runner's reader.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MirrorSource, MirrorSourceProps, ReleaseSigning } from '../../src';
import { buildJson } from '../../src/build-job/build-config';
import { parseArgs } from '../../src/cli/args';
import { SOURCE_FLAGS, sourceLoadOptions } from '../../src/cli/source-flags';
import { readBuildConfig } from '../../src/runner/build-json-reader';
import { resolveSources } from '../../src/sources/resolution';
import { errorOf, writeTree } from '../support/tree';

const BASE: MirrorSourceProps = {
  prefix: 'vendor',
  name: 'stable',
  url: 'http://vendor.mirror.example/deb',
  keyUrl: 'https://vendor.mirror.example/key.asc',
  distribution: 'stable',
  components: ['main'],
  packages: ['tool'],
};

const YAML = `name: vendor
url: http://vendor.mirror.example/deb
key_url: https://vendor.mirror.example/key.asc
components: [main]
subrepos:
  - distribution: stable
    allow_distribution_mismatch: true
    packages:
      - name: tool
  - distribution: testing
    packages:
      - name: tool
`;

function written(sources: MirrorSource[]): any[] {
  const resolved = resolveSources(sources, { architectures: ['amd64'] });
  return JSON.parse(buildJson({ sources: resolved, signing: ReleaseSigning.insecureUnsigned(), concurrency: 1, retries: 1, contentHash: 'abc' })).sources;
}

test('props: off by default, on when set; build.json carries it only when on, and the runner reads it (default false)', () => {
  const off = new MirrorSource(BASE);
  const on = new MirrorSource({ ...BASE, name: 'other', allowDistributionMismatch: true });
  expect([off.allowDistributionMismatch, on.allowDistributionMismatch]).toEqual([false, true]);
  const sources = written([off, on]);
  expect('allowDistributionMismatch' in sources[0]).toBe(false);
  expect(sources[1].allowDistributionMismatch).toBe(true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-dm-'));
  try {
    const file = path.join(dir, 'build.json');
    fs.writeFileSync(file, JSON.stringify({ version: 2, signing: { mode: 'unsigned' }, sources }));
    expect(readBuildConfig(file).sources.map(s => s.allowDistributionMismatch)).toEqual([false, true]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('YAML: allow_distribution_mismatch on a subrepo; anything but a boolean is a problem with file and line', () => {
  const dir = writeTree({ 'sources.yaml': YAML });
  const [stable, testing] = MirrorSource.fromYamlFile(`${dir}/sources.yaml`);
  expect([stable.allowDistributionMismatch, testing.allowDistributionMismatch]).toEqual([true, false]);
  const bad = writeTree({ 'sources.yaml': YAML.replace('allow_distribution_mismatch: true', 'allow_distribution_mismatch: "yes"') });
  expect(errorOf(() => MirrorSource.fromYamlFile(`${bad}/sources.yaml`))).toMatch(/sources\.yaml:7:\d+: "allow_distribution_mismatch" must be true or false/);
});

test('load overrides and the CLI flag --allow-distribution-mismatch ID', () => {
  const dir = writeTree({ 'sources.yaml': YAML });
  const problems: string[] = [];
  const options = sourceLoadOptions(parseArgs(['--allow-distribution-mismatch', 'vendor/testing'], { repeatable: SOURCE_FLAGS }), problems);
  expect(problems).toEqual([]);
  expect(options).toEqual({ overrides: { 'vendor/testing': { allowDistributionMismatch: true } } });
  const sources = MirrorSource.fromYamlFile(`${dir}/sources.yaml`, options);
  expect(sources.map(s => s.allowDistributionMismatch)).toEqual([true, true]);
});
