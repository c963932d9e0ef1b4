import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { BROKEN } from './broken-sources';
import { run } from './run';
import { MiniMirror, MiniMirrorProps, MirrorSource, RegistryCa, ReleaseSigning, RollbackTarget, ServingServiceType } from '../../src';
import { SourceLoadOptions } from '../../src/sources/seed/load-options';
import { writeTree } from '../support/tree';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE_SOURCES = path.join(ROOT, 'examples', 'sources');
const PUBLIC_KEY = path.join(ROOT, 'examples', 'mirror.pub.asc');
const FPR = '0123456789ABCDEF0123456789ABCDEF01234567';

/** One valid source whose aptly.conf turns upstream verification off. */
const UNVERIFIED = {
  'vendor/tools/source.txt': 'https://vendor.mirror.example/apt https://vendor.mirror.example/gpg stable main\n',
  'vendor/tools/packages.txt': 'vendor-cli\n',
  'vendor/tools/aptly.conf': '{ "gpgDisableVerify": true }',
};

const SIGNED_NO_NAMESPACE = ['--signing-secret', 'mirror-signing', '--public-key', PUBLIC_KEY, '--image', 'registry.example.com/mini-mirror'];
// Client URLs name the Service with its namespace: synth refuses to guess one.
const SIGNED = [...SIGNED_NO_NAMESPACE, '--namespace', 'apt-mirror'];

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cli-'));
}

function written(out: string) {
  return YAML.parseAllDocuments(fs.readFileSync(path.join(out, 'mirror.k8s.yaml'), 'utf8')).map(d => d.toJSON());
}

/** What the construct synthesizes for the same inputs, to compare the CLI's output with. */
function constructYaml(sourcesDir: string, options: SourceLoadOptions = {}, namespace: string = 'apt-mirror', props: Partial<MiniMirrorProps> = {}) {
  const chart = new Chart(Testing.app(), 'mirror', { namespace, disableResourceNameHashes: true });
  new MiniMirror(chart, 'mirror', {
    sources: MirrorSource.fromDirectory(sourcesDir, options),
    signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: fs.readFileSync(PUBLIC_KEY, 'utf8') }),
    image: { repository: 'registry.example.com/mini-mirror' },
    ...props,
  });
  return Testing.synth(chart);
}

describe('mini-mirror check', () => {
  test('a valid directory: exit 0 and a summary', () => {
    const r = run('check', EXAMPLE_SOURCES);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: 4 sources, \d+ package queries/);
    expect(r.out).toContain('debian/dists/bookworm-updates');
  });

  test('counts are pluralized: 1 source, 1 package query, 1 query', () => {
    const dir = writeTree({ 'x/y/source.txt': 'http://x.mirror.example/ https://x.mirror.example/k stable main\n', 'x/y/packages.txt': 'curl\n' });
    const r = run('check', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: 1 source, 1 package query$/m);
    expect(r.out).toMatch(/ 1 query /);
    expect(r.out).not.toMatch(/\b1 (sources|queries|package queries)\b/);
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

  test('advice that names a construct prop also names the option that sets it', () => {
    const r = run('check', writeTree(UNVERIFIED));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/insecureSkipUpstreamVerification/);
    expect(r.err).toMatch(/hint: .*--insecure-skip-upstream-verification <source id>/);
  });

  test('per-source options: the same as synth, checked', () => {
    const dir = writeTree(UNVERIFIED);
    const ok = run('check', dir, '--insecure-skip-upstream-verification', 'vendor/tools', '--key-fingerprint', `vendor/tools=${FPR}`);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/warning: upstream signatures of vendor\/tools are NOT verified/);

    const bad = run('check', dir, '--key-fingerprint', 'vendor/tools=89ABCDEF', '--allow-missing-dependencies', 'tools', '--insecure-skip-upstream-verification', 'vendor/tool');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('mini-mirror: --key-fingerprint vendor/tools=89ABCDEF: "89ABCDEF" is a key ID, not a fingerprint');
    expect(bad.err).toContain('mini-mirror: --allow-missing-dependencies "tools" does not name a source: give <source id>');
    expect(bad.err).toMatch(/overrides name source "vendor\/tool".*use one of vendor\/tools/);
    expect(bad.err).toMatch(/hint: the per-source options .* take a source id that "mini-mirror check" lists/);
  });

  test('worlds: check lists each source\'s; --world places a flat repository in a mirror of several worlds', () => {
    const dir = writeTree({
      'debian/bookworm/source.txt': 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main\n',
      'debian/bookworm/packages.txt': 'curl\n',
      'ubuntu/jammy/source.txt': 'http://ubuntu.mirror.example/ubuntu https://ubuntu.mirror.example/key.asc jammy-updates main\n',
      'ubuntu/jammy/packages.txt': 'curl\n',
      'vendor/tools/source.txt': 'http://vendor.mirror.example/deb/ https://vendor.mirror.example/key.asc ./\n',
      'vendor/tools/packages.txt': 'tool\n',
    });
    const bad = run('check', dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/flat repository vendor\/tools has no distribution to derive a world from, and the mirror has several worlds \(bookworm, jammy\)/);
    expect(bad.err).toMatch(/hint: to set a source's world from the command line, pass --world <source id>=<world>/);
    const ok = run('check', dir, '--world', 'vendor/tools=jammy');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ {2}ubuntu\/dists\/jammy-updates {2}main {2}world jammy {2}1 query/m);
    expect(ok.out).toMatch(/^ {2}vendor\/dists\/tools {2}flat \.\/ {2}world jammy {2}1 query {2}\(vendor\/tools\)$/m);
    expect(run('check', dir, '--world', 'vendor/tools=Jammy').err).toContain('mini-mirror: --world vendor/tools=Jammy: world "Jammy" must be at most 63 lowercase letters');
    expect(run('check', dir, '--world', 'jammy').err).toContain('mini-mirror: --world "jammy" does not name a source: give <source id>=<world>');
    expect(run('check', dir, '--world', 'vendor/tools=jammy', '--world', 'vendor/tools=bookworm').err).toContain('--world gives source vendor/tools two worlds (jammy, bookworm): give one');
  });

  test('--allow-broad-queries accepts a query that would mirror the whole archive', () => {
    const dir = writeTree({ 'x/y/source.txt': 'http://x.mirror.example/ https://x.mirror.example/k stable main\n', 'x/y/packages.txt': 'curl\n!python3\n' });
    const bad = run('check', dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${dir}/x/y/packages.txt:2:1: query "!python3" is a negation`);
    expect(bad.err).toMatch(/hint: to accept such queries from the command line, pass --allow-broad-queries <source id>/);
    expect(run('check', dir, '--allow-broad-queries', 'x/y').code).toBe(0);
  });

  test('a YAML file', () => {
    const dir = writeTree({ 's.yaml': 'name: x\nurl: http://x.mirror.example/\nkey_url: https://x.mirror.example/k\ncomponents: [main]\nsubrepos:\n  - distribution: stable\n    packages:\n      - name: curl\n' });
    expect(run('check', `${dir}/s.yaml`)).toMatchObject({ code: 0, out: expect.stringContaining('x/dists/stable') });
    expect(run('check', `${dir}/s.yaml`, '--allow-missing-dependencies', 'x/stable')).toMatchObject({ code: 0 });
  });

  test('a sources path that does not exist is an input problem: exit 1', () => {
    expect(run('check', '/nonexistent')).toEqual({ code: 1, out: '', err: 'mini-mirror: /nonexistent does not exist: give a sources directory or a sources YAML file' });
  });

  test.each([
    [['check'], /check takes exactly one/],
    [['check', 'a', 'b'], /check takes exactly one/],
    [['check', 'a', '--verbose'], /unknown option --verbose/],
    [['check', '-v', 'a'], /unknown option -v/],
    [['check', 'a', '--key-fingerprint'], /--key-fingerprint needs a value/],
  ])('usage errors exit 2 with the check usage: %j', (argv, expected) => {
    const r = run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(expected);
    expect(r.err).toContain('usage: mini-mirror check');
    expect(r.err).not.toContain('usage: mini-mirror <command>');
  });

  test('a path that starts with "-" goes after --', () => {
    expect(run('check', '--', '-h')).toMatchObject({ code: 1, err: expect.stringContaining('-h does not exist') });
  });
});

describe('help and version', () => {
  test.each([
    [['--help'], 'usage: mini-mirror <command>'],
    [['-h'], 'usage: mini-mirror <command>'],
    [['help'], 'usage: mini-mirror <command>'],
    [['help', 'check'], 'usage: mini-mirror check'],
    [['help', 'synth'], 'usage: mini-mirror synth'],
    [['check', '--help'], 'usage: mini-mirror check'],
    [['check', '-h'], 'usage: mini-mirror check'],
    [['check', 'some/dir', '-h'], 'usage: mini-mirror check'],
    [['synth', '--help'], 'usage: mini-mirror synth'],
    [['synth', '-h'], 'usage: mini-mirror synth'],
    [['synth', '--sources', 'x', '--bogus', '-h'], 'usage: mini-mirror synth'],
  ])('%j prints that help and exits 0', (argv, expected) => {
    const r = run(...argv);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out.startsWith(expected)).toBe(true);
  });

  test('every help text states the exit codes', () => {
    for (const argv of [['--help'], ['check', '--help'], ['synth', '--help']]) {
      const { out } = run(...argv);
      expect(out).toMatch(/^ {2}1 {2}the inputs are wrong/m);
      expect(out).toMatch(/^ {2}2 {2}the command line is wrong/m);
    }
  });

  test('help texts list every option the command accepts', () => {
    const synth = run('synth', '--help').out;
    for (const flag of ['--sources', '--signing-secret', '--public-key', '--image', '--passphrase-key', '--private-key-key', '--push-secret',
      '--namespace', '--name', '--out', '--insecure-unsigned', '--key-fingerprint', '--allow-missing-dependencies', '--insecure-skip-upstream-verification']) {
      expect(synth).toContain(`  ${flag} `);
    }
    expect(synth).toMatch(/or --out is a file\n/);
    expect(run('check', '--help').out).toContain('  --key-fingerprint ID=FPR');
    expect(run('--help').out).toContain('  --version ');
  });

  test('--version prints the version in package.json', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(run('--version')).toEqual({ code: 0, out: version, err: '' });
  });

  test.each([
    [[], /no command given/],
    [['frobnicate'], /unknown command "frobnicate"\n/],
    [['chek'], /unknown command "chek": did you mean check\?/],
    [['help', 'synht'], /unknown command "synht": did you mean synth\?/],
    [['--verbose'], /unknown option --verbose/],
    [['help', 'frobnicate'], /unknown command "frobnicate"/],
    [['--version', 'extra'], /unexpected argument "extra"/],
  ])('top-level usage errors exit 2 with the top-level usage: %j', (argv, expected) => {
    const r = run(...argv);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(expected);
    expect(r.err).toContain('usage: mini-mirror <command>');
  });
});

describe('mini-mirror synth', () => {
  test('writes the same YAML as the construct', () => {
    const out = tmpdir();
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED_NO_NAMESPACE, '--namespace', 'apt', '--out', out);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(written(out)).toEqual(constructYaml(EXAMPLE_SOURCES, {}, 'apt'));
    expect(written(out).length).toBeGreaterThan(2);
  });

  test('--pull-secret and --client-key-path set the construct props of the same name', () => {
    const out = tmpdir();
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--pull-secret', 'registry-pull', '--client-key-path', '/etc/apt/keyrings/mirror.asc', '--out', out);
    expect(r).toMatchObject({ code: 0, err: '' });
    const chart = new Chart(Testing.app(), 'mirror', { namespace: 'apt-mirror', disableResourceNameHashes: true });
    new MiniMirror(chart, 'mirror', {
      sources: MirrorSource.fromDirectory(EXAMPLE_SOURCES),
      signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: fs.readFileSync(PUBLIC_KEY, 'utf8') }),
      image: { repository: 'registry.example.com/mini-mirror', pullSecretName: 'registry-pull' },
      clients: { keyPath: '/etc/apt/keyrings/mirror.asc' },
    });
    expect(written(out)).toEqual(Testing.synth(chart));
    expect(JSON.stringify(written(out))).toContain('Signed-By: /etc/apt/keyrings/mirror.asc');
  });

  test('--rollback-to docker://... sets buildJob.rollbackTo; with --prebuilt it is ignored; other forms are refused', () => {
    const ref = 'registry.example.com/mini-mirror:0123456789abcdef0123';
    const out = tmpdir();
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--rollback-to', `docker://${ref}`, '--out', out);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(written(out)).toEqual(constructYaml(EXAMPLE_SOURCES, {}, 'apt-mirror', { buildJob: { rollbackTo: RollbackTarget.image(ref) } }));
    expect(JSON.stringify(written(out))).toContain(ref);

    const prebuilt = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--prebuilt', '--rollback-to', `docker://${ref}`, '--src-tls-verify=false', '--out', tmpdir());
    expect(prebuilt.code).toBe(0);
    expect(prebuilt.err).toContain('note: --src-tls-verify, --rollback-to only matter to mini-mirror build: ignored');

    const dir = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--rollback-to', 'build-a/', '--out', tmpdir());
    expect(dir.code).toBe(1);
    expect(dir.err).toContain('--rollback-to build-a/: the build Job fetches the earlier build\'s image from the registry: give docker://REGISTRY/REPOSITORY:TAG');
    const other = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--rollback-to', 'docker://registry.other.example/mini-mirror:abc', '--out', tmpdir());
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/rollbackTo image "registry.other.example\/mini-mirror:abc" is in registry registry.other.example, but the build pushes to registry.example.com/);
  });

  test('advice of the construct that needs a flag names the flag', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1600; i++) {
      files[`p${i}/bookworm/source.txt`] = 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main\n';
      files[`p${i}/bookworm/packages.txt`] = 'nginx\n';
    }
    const dir = writeTree(files);
    const r = run('synth', '--sources', dir, ...SIGNED, '--out', tmpdir());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the ConfigMap mirror-client would hold \d+ KiB.*set clients\.keyPath.*\n  hint: from the command line, pass --client-key-path \/etc\/apt\/keyrings\/<name>\.asc/);
    expect(run('synth', '--sources', dir, ...SIGNED, '--client-key-path', '/etc/apt/keyrings/mirror.asc', '--out', tmpdir()).code).toBe(0);
    expect(run('synth', '--sources', dir, ...SIGNED, '--client-key-path', 'keyrings/mirror.asc', '--pull-secret', 'Bad_Pull', '--out', tmpdir()).err)
      .toMatch(/--pull-secret "Bad_Pull" is not a valid Secret name[\s\S]*--client-key-path "keyrings\/mirror\.asc" must be an absolute path/);
  });

  test('--out is created with its parents', () => {
    const out = path.join(tmpdir(), 'a', 'b');
    expect(run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', out).code).toBe(0);
    expect(fs.existsSync(path.join(out, 'mirror.k8s.yaml'))).toBe(true);
  });

  test('per-source options set the same overrides as SourceLoadOptions', () => {
    const out = tmpdir();
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', out,
      '--key-fingerprint', `vendor/tools=${FPR.toLowerCase()}`, '--allow-missing-dependencies', 'vendor/tools', '--allow-missing-dependencies=debian/bookworm');
    expect(r).toMatchObject({ code: 0, err: '' });
    const expected = constructYaml(EXAMPLE_SOURCES, {
      overrides: { 'vendor/tools': { keyFingerprints: [FPR], allowMissingDependencies: true }, 'debian/bookworm': { allowMissingDependencies: true } },
    });
    expect(written(out)).toEqual(expected);
    expect(expected).not.toEqual(constructYaml(EXAMPLE_SOURCES));
  });

  test('--refresh-epoch sets the refresh epoch: a new build identity and image tag from the same inputs', () => {
    const out = tmpdir();
    const options = { overrides: { 'vendor/tools': { world: 'bookworm' } } };
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', out, '--world', 'vendor/tools=bookworm', '--refresh-epoch', '2026-11-27');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/image registry\.example\.com\/mini-mirror:[0-9a-f]{20}, refresh epoch 2026-11-27$/);
    const expected = constructYaml(EXAMPLE_SOURCES, options, undefined, { refreshEpoch: '2026-11-27' });
    expect(written(out)).toEqual(expected);
    expect(expected).not.toEqual(constructYaml(EXAMPLE_SOURCES, options));
    const build = expected.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mirror-build-'));
    expect(JSON.parse(build.data['build.json']).refreshEpoch).toBe('2026-11-27');

    const bad = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir(), '--world', 'vendor/tools=bookworm', '--refresh-epoch', 'next week');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^mini-mirror: --refresh-epoch: refreshEpoch "next week" must be 1 to 64 letters/);
  });

  test('--architecture sets the mirror\'s architectures, repeated or comma-separated', () => {
    const out = tmpdir();
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', out, '--architecture', 'amd64', '--architecture=arm64,amd64', '--world', 'vendor/tools=bookworm');
    expect(r).toMatchObject({ code: 0, err: '' });
    const expected = constructYaml(EXAMPLE_SOURCES, { overrides: { 'vendor/tools': { world: 'bookworm' } } }, undefined, { architectures: ['amd64', 'arm64'] });
    expect(written(out)).toEqual(expected);
    const build = expected.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mirror-build-'));
    expect(JSON.parse(build.data['build.json']).sources.find((s: any) => s.name === 'tools')).toMatchObject({ world: 'bookworm', distribution: './' });
    expect(JSON.stringify(build.data['build.json'])).toContain('arm64');

    const bad = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir(), '--architecture', 'all', '--architecture', 'amd64,,arm64');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('mini-mirror: --architecture all: "all" is not a client architecture: arch:all packages are mirrored with every architecture');
    expect(bad.err).toContain('mini-mirror: --architecture "amd64,,arm64" has an empty entry');
  });

  test('--insecure-skip-upstream-verification accepts gpgDisableVerify, and warns', () => {
    const dir = writeTree(UNVERIFIED);
    const out = tmpdir();
    const r = run('synth', '--sources', dir, ...SIGNED, '--out', out, '--insecure-skip-upstream-verification', 'vendor/tools');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^warning: upstream signatures of vendor\/tools are NOT verified/);
    expect(written(out)).toEqual(constructYaml(dir, { overrides: { 'vendor/tools': { insecureSkipUpstreamVerification: true } } }));
  });

  test('serving and build flags set the construct props a seed user needs (CLI parity)', () => {
    const out = tmpdir();
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', out,
      '--service-type', 'nodeport', '--node-port', '30888', '--service-port', '8888', '--replicas', '3', '--base-url', 'http://node1.example:30888',
      '--http-proxy', 'http://proxy.example:3128', '--no-proxy', 'registry.example.com', '--concurrency', '2', '--retries', '5',
      '--stall-timeout', '5m', '--build-deadline', '8h', '--mirror-size-estimate', '50Gi', '--registry-ca-secret', 'registry-ca:ca.pem', '--no-smoke-test');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(written(out)).toEqual(constructYaml(EXAMPLE_SOURCES, {}, 'apt-mirror', {
      serving: { serviceType: ServingServiceType.nodePort(30888), servicePort: 8888, replicas: 3 },
      clients: { baseUrl: 'http://node1.example:30888' },
      buildJob: {
        proxy: { httpProxy: 'http://proxy.example:3128', noProxy: 'registry.example.com' },
        concurrency: 2,
        retries: 5,
        stallTimeout: Duration.minutes(5),
        activeDeadline: Duration.hours(8),
        mirrorSizeEstimate: Size.gibibytes(50),
      },
      image: { repository: 'registry.example.com/mini-mirror', registryCa: RegistryCa.fromSecret('registry-ca', 'ca.pem') },
      smokeTest: { enabled: false },
    }));
    const bad = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir(), '--service-type', 'nodePort', '--replicas', '0',
      '--stall-timeout', '5 minutes', '--mirror-size-estimate', '50GB', '--tls-secret', 'tls');
    expect(bad.code).toBe(1);
    for (const message of [/--service-type "nodePort" must be clusterip, nodeport or loadbalancer/, /--replicas "0" must be a whole number of at least 1/,
      /--stall-timeout "5 minutes" is not a duration: write a whole number with s, m, h or d/, /--mirror-size-estimate "50GB" is not a size/, /--tls-secret needs --ingress-host/]) {
      expect(bad.err).toMatch(message);
    }
  });

  test('empty or malformed image flags are refused, naming the flag', () => {
    const bad = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir(), '--mirror-image', '', '--builder-image', 'registry.example.com/b uilder');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--mirror-image is empty: give an image reference/);
    expect(bad.err).toMatch(/--builder-image "registry\.example\.com\/b uilder" is not an image reference/);
    expect(run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir(), '--mirror-image=').err).toMatch(/--mirror-image is empty/);
    expect(run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED_NO_NAMESPACE.slice(0, -2), '--namespace', 'apt-mirror', '--out', tmpdir(), '--image', '').err)
      .toMatch(/--image "" is not a valid image repository/);
    expect(run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir(), '--mirror-image', 'registry.example.com/tools:1').code).toBe(0);
  });

  test('proxy flags: credentials and queries refused with the flag named and the secret redacted; an empty value refused', () => {
    const bad = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir(), '--http-proxy', 'build:hunter2@proxy.example:3128',
      '--https-proxy', 'http://proxy.example:3128/?key=hunter3', '--no-proxy', '');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--http-proxy: proxy value for HTTP_PROXY carries credentials .*\(got \*\*\*@proxy\.example:3128\)/);
    expect(bad.err).toMatch(/--https-proxy: proxy value for HTTPS_PROXY "http:\/\/proxy\.example:3128\/\?\*\*\*" has a query or fragment/);
    expect(bad.err).toMatch(/--no-proxy: proxy value for NO_PROXY is empty/);
    expect(bad.err).not.toMatch(/hunter/);
  });

  test('client URLs need a namespace or --base-url: without either, synth says which flag to pass', () => {
    const none = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED_NO_NAMESPACE, '--out', tmpdir());
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/set namespace on the Chart/);
    expect(none.err).toMatch(/hint: from the command line, pass --namespace <namespace> .*, or --base-url <url clients use>/);
    const out = tmpdir();
    const withUrl = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED_NO_NAMESPACE, '--base-url', 'https://apt.platform.example', '--out', out);
    expect(withUrl).toMatchObject({ code: 0, err: '' });
    const client = written(out).find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'mirror-client');
    expect(Object.values<string>(client.data).join('\n')).toContain('URIs: https://apt.platform.example/debian');
  });

  test('unsigned needs the explicit flag and warns', () => {
    const r = run('synth', '--sources', EXAMPLE_SOURCES, '--insecure-unsigned', '--image', 'registry.example.com/m', '--namespace', 'apt-mirror', '--out', tmpdir());
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/NOT signed/);
  });

  test('every problem of one run at once: option values, public key and sources, exit 1', () => {
    const dir = writeTree(BROKEN);
    const r = run('synth', '--sources', dir, '--signing-secret', 'Bad_Signing', '--public-key', path.join(ROOT, 'package.json'),
      '--image', 'registry.example.com/m', '--name', 'Mirror', '--namespace', 'Bad NS', '--push-secret', 'Bad_Push',
      '--passphrase-key', 'pass phrase', '--private-key-key', 'key/asc', '--key-fingerprint', 'vendor/tools=123');
    expect(r.code).toBe(1);
    const lines = r.err.split('\n').filter(l => l.startsWith('mini-mirror: '));
    expect(lines).toEqual([
      expect.stringMatching(/^mini-mirror: --name "Mirror" is not a valid name: use at most 30 lowercase letters/),
      expect.stringMatching(/^mini-mirror: --namespace "Bad NS" is not a valid namespace/),
      expect.stringMatching(/^mini-mirror: --push-secret "Bad_Push" is not a valid Secret name/),
      expect.stringMatching(/^mini-mirror: --signing-secret "Bad_Signing" is not a valid Secret name/),
      expect.stringMatching(/^mini-mirror: --passphrase-key "pass phrase" is not a valid Secret key/),
      expect.stringMatching(/^mini-mirror: --private-key-key "key\/asc" is not a valid Secret key/),
      expect.stringMatching(/--public-key .*package\.json: signing public key is not an armored OpenPGP key/),
      expect.stringMatching(/^mini-mirror: --key-fingerprint vendor\/tools=123: "123" is not an OpenPGP fingerprint/),
      expect.stringMatching(/^mini-mirror: 4 problems in sources directory/),
    ]);
    expect(r.err).not.toMatch(/is not a URL|^\s+at /m);
  });

  test('a bad namespace says what a namespace may be, not that a URL is bad', () => {
    const r = run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED_NO_NAMESPACE, '--namespace', 'Bad NS', '--out', tmpdir());
    expect(r).toEqual({
      code: 1,
      out: '',
      err: 'mini-mirror: --namespace "Bad NS" is not a valid namespace: use at most 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit (e.g. apt-mirror)',
    });
  });

  test.each([
    ['--push-secret', 'Bad_Push', /--push-secret "Bad_Push" is not a valid Secret name/],
    ['--push-secret', 'a..b', /--push-secret "a\.\.b" is not a valid Secret name/],
    ['--signing-secret', '-signing', /--signing-secret "-signing" is not a valid Secret name/],
    ['--namespace', 'a'.repeat(64), /--namespace "a{64}" is not a valid namespace/],
    ['--namespace', 'apt.mirror', /--namespace "apt\.mirror" is not a valid namespace/],
    ['--name', '1mirror', /--name "1mirror" is not a valid name/],
    ['--image', 'registry.example.com/m:latest', /--image "registry\.example\.com\/m:latest" is not a valid image repository: give a repository without tag/],
    ['--passphrase-key', 'signing-key.asc', /--passphrase-key "signing-key\.asc" is also the private key's Secret key/],
  ])('%s %j is an invalid value: exit 1', (flag, value, expected) => {
    const argv = ['--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', tmpdir()];
    const at = argv.indexOf(flag);
    if (at >= 0) argv[at + 1] = value;
    else argv.push(flag, value);
    const r = run('synth', ...argv);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(expected);
  });

  test('--out that is a file: a clear message, exit 1', () => {
    const file = path.join(tmpdir(), 'file');
    fs.writeFileSync(file, '');
    expect(run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', file))
      .toEqual({ code: 1, out: '', err: `mini-mirror: --out ${file} is a file: give a directory` });
    expect(run('synth', '--sources', EXAMPLE_SOURCES, ...SIGNED, '--out', path.join(file, 'sub')))
      .toEqual({ code: 1, out: '', err: `mini-mirror: --out ${path.join(file, 'sub')} is below the file ${file}: give a directory` });
  });

  test.each([
    [['--sources', '/nonexistent', ...SIGNED], /^mini-mirror: --sources \/nonexistent does not exist: give a sources directory/],
    [['--sources', EXAMPLE_SOURCES, '--signing-secret', 's', '--public-key', '/nonexistent.asc', '--image', 'registry.example.com/m'], /^mini-mirror: --public-key \/nonexistent\.asc does not exist/],
    [['--sources', EXAMPLE_SOURCES, '--signing-secret', 's', '--public-key', EXAMPLE_SOURCES, '--image', 'registry.example.com/m'], /--public-key .* is a directory/],
    [['--sources', EXAMPLE_SOURCES, '--signing-secret', 's', '--public-key', path.join(ROOT, 'package.json'), '--image', 'registry.example.com/m'], /not an armored OpenPGP key/],
  ])('inputs that are missing or wrong exit 1: %j', (argv, expected) => {
    const r = run('synth', ...argv, '--out', tmpdir());
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toMatch(expected);
    expect(r.err).not.toContain('usage:');
  });

  test.each([
    [['--sources', EXAMPLE_SOURCES, '--public-key', PUBLIC_KEY, '--image', 'registry.example.com/m'], /--signing-secret is required/],
    [['--sources', EXAMPLE_SOURCES], /--signing-secret, --public-key and --image are required/],
    [['--sources', EXAMPLE_SOURCES, '--insecure-unsigned', '--signing-secret', 's', '--image', 'registry.example.com/m'], /--insecure-unsigned excludes --signing-secret/],
    [['--sources', EXAMPLE_SOURCES, '--insecure-unsigned', '--passphrase-key', 'p', '--image', 'registry.example.com/m'], /--insecure-unsigned excludes --passphrase-key/],
    [['--sources'], /--sources needs a value/],
    [['--sources', EXAMPLE_SOURCES, '--sources', EXAMPLE_SOURCES, ...SIGNED], /--sources is given twice/],
    [['--bogus'], /unknown option --bogus/],
    [['--insecure-unsigned=yes'], /--insecure-unsigned takes no value/],
    [[EXAMPLE_SOURCES], /unexpected argument/],
  ])('command-line mistakes exit 2 with the synth usage: %j', (argv, expected) => {
    const r = run('synth', ...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(expected);
    expect(r.err).toContain('usage: mini-mirror synth');
    expect(r.err).not.toContain('usage: mini-mirror <command>');
  });

  test('a bad sources directory reports every problem, exit 1', () => {
    const r = run('synth', '--sources', writeTree(BROKEN), ...SIGNED, '--out', tmpdir());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/4 problems/);
  });
});
