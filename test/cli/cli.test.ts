import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { MiniMirror, MirrorSource, ReleaseSigning } from '../../src';
import { main } from '../../src/cli/main';
import { writeTree } from '../support/tree';

const EXAMPLE_SOURCES = path.join(__dirname, '..', '..', 'examples', 'sources');
const PUBLIC_KEY = path.join(__dirname, '..', '..', 'examples', 'mirror.pub.asc');

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: l => out.push(l), err: l => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const BROKEN = {
  'debian/bookworm/source.txt': 'http://debian.mirror.example/debian http://debian.mirror.example/key.asc bookworm\n',
  'debian/bookworm/packages.txt': 'nginx\nlibc6:amd64\n',
  'vendor/tools/source.txt': 'https://vendor.mirror.example/apt https://vendor.mirror.example/gpg stable main\n',
  'vendor/tools/packages.txt': 'vendor-cli(>= 2\n',
  'vendor/tools/aptly.conf': '{ "gpgDisableVerify": true }',
};

describe('mini-mirror check', () => {
  test('a valid directory: exit 0 and a summary', () => {
    const r = run('check', EXAMPLE_SOURCES);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: 3 sources, \d+ package queries/);
    expect(r.out).toContain('debian/dists/bookworm-updates');
  });

  test('a broken directory: exit 1 and every problem with file:line', () => {
    const dir = writeTree(BROKEN);
    const r = run('check', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/4 problems in sources directory/);
    expect(r.err).toContain(`${dir}/debian/bookworm/source.txt:1: missing component`);
    expect(r.err).toContain(`${dir}/debian/bookworm/packages.txt:2:6: invalid package query "libc6:amd64"`);
    expect(r.err).toContain(`${dir}/vendor/tools/packages.txt:1:`);
    expect(r.err).toContain(`${dir}/vendor/tools/aptly.conf:1:`);
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  test('a YAML file', () => {
    const dir = writeTree({ 's.yaml': 'name: x\nurl: http://x.mirror.example/\nkey_url: http://x.mirror.example/k\ncomponents: [main]\nsubrepos:\n  - distribution: stable\n    packages:\n      - name: curl\n' });
    expect(run('check', `${dir}/s.yaml`)).toMatchObject({ code: 0, out: expect.stringContaining('x/dists/stable') });
  });

  test.each([
    [['check'], /check takes exactly one/],
    [['check', '/nonexistent'], /\/nonexistent does not exist/],
    [['check', 'a', '--verbose'], /unknown option --verbose/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('usage errors exit 2: %j', (argv, expected) => {
    const r = run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(expected);
    expect(r.err).toContain('usage: mini-mirror');
  });

  test('--help on each command', () => {
    expect(run('--help')).toMatchObject({ code: 0, out: expect.stringContaining('exit codes') });
    expect(run('check', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('usage: mini-mirror check') });
    expect(run('synth', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('--signing-secret NAME') });
  });
});

describe('mini-mirror synth', () => {
  test('writes the same YAML as the construct', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cli-'));
    const r = run('synth', '--sources', EXAMPLE_SOURCES, '--signing-secret', 'mirror-signing', '--public-key', PUBLIC_KEY,
      '--passphrase-key', 'passphrase', '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt', '--out', out);
    expect(r).toMatchObject({ code: 0, err: '' });
    const written = YAML.parseAllDocuments(fs.readFileSync(path.join(out, 'mirror.k8s.yaml'), 'utf8')).map(d => d.toJSON());

    const app = Testing.app();
    const chart = new Chart(app, 'mirror', { namespace: 'apt', disableResourceNameHashes: true });
    new MiniMirror(chart, 'mirror', {
      sources: MirrorSource.fromDirectory(EXAMPLE_SOURCES),
      signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: fs.readFileSync(PUBLIC_KEY, 'utf8'), passphraseKey: 'passphrase' }),
      image: { repository: 'registry.example.com/mini-mirror' },
    });
    expect(written).toEqual(Testing.synth(chart));
    expect(written.length).toBeGreaterThan(2);
  });

  test('unsigned needs the explicit flag and warns', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cli-'));
    const r = run('synth', '--sources', EXAMPLE_SOURCES, '--insecure-unsigned', '--image', 'registry.example.com/m', '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/NOT signed/);
  });

  test.each([
    [['--sources', EXAMPLE_SOURCES, '--public-key', PUBLIC_KEY, '--image', 'registry.example.com/m'], 2, /--signing-secret is required/],
    [['--sources', EXAMPLE_SOURCES, '--signing-secret', 's', '--public-key', '/nonexistent.asc', '--image', 'registry.example.com/m'], 2, /cannot read --public-key \/nonexistent\.asc: ENOENT/],
    [['--sources', EXAMPLE_SOURCES, '--signing-secret', 's', '--public-key', PUBLIC_KEY, '--image', 'registry.example.com/m:latest'], 1, /image repository "registry\.example\.com\/m:latest" is not a valid repository/],
    [['--sources', EXAMPLE_SOURCES, '--insecure-unsigned', '--signing-secret', 's', '--image', 'registry.example.com/m'], 2, /--insecure-unsigned excludes/],
    [['--sources'], 2, /--sources needs a value/],
  ])('errors: %j', (argv, code, expected) => {
    const r = run('synth', ...argv);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(expected);
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  test('a bad sources directory reports every problem, exit 1', () => {
    const r = run('synth', '--sources', writeTree(BROKEN), '--signing-secret', 's', '--public-key', PUBLIC_KEY, '--image', 'registry.example.com/m');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/4 problems/);
  });
});

describe('the mini-mirror process', () => {
  test('prints problems without a stack trace and exits 1', async () => {
    const dir = writeTree(BROKEN);
    const cli = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
    const result = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', cli, 'check', dir]).then(() => ({ code: 0, stderr: '' }), e => ({ code: e.code, stderr: e.stderr }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mini-mirror: 4 problems in sources directory/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
