import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { run } from './run';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE_SOURCES = path.join(ROOT, 'examples', 'sources');
const SIGNED = ['--signing-secret', 'mirror-signing', '--public-key', path.join(ROOT, 'examples', 'mirror.pub.asc'),
  '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--world', 'vendor/tools=bookworm'];

const dirs: string[] = [];
afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

function synth(...extra: string[]) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cli-'));
  dirs.push(out);
  const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', out, ...extra);
  const file = path.join(out, 'mirror.k8s.yaml');
  const objects = fs.existsSync(file) ? YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJSON()) : [];
  const build = objects.find((o: any) => o.kind === 'ConfigMap' && o.data?.['build.json']);
  return { ...r, buildJson: build ? JSON.parse(build.data['build.json']) : undefined };
}

describe('--valid-for', () => {
  test('GIVEN --valid-for 14d THEN build.json asks for Valid-Until 14 days after the Date; without it, none', () => {
    const r = synth('--valid-for', '14d');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.buildJson.validForSeconds).toBe(14 * 86400);
    expect(synth().buildJson.validForSeconds).toBeNull();
  });

  test.each([
    ['2 weeks', '--valid-for "2 weeks" is not a duration: write a whole number with s, m, h or d, e.g. 2m or 6h'],
    ['30m', '--valid-for: validFor must be a whole number of seconds from 1 hour to 3650 days, got 1800s'],
  ])('GIVEN --valid-for %s THEN synth fails saying why', (value, message) => {
    const r = synth('--valid-for', value);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
  });
});
