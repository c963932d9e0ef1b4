// An unpinned http:// key authenticates nothing: refused at synth and check, with the file,
// line and the settings that fix it; accepted with https, a pin or the explicit opt-in.
import * as path from 'path';
import { MirrorSource } from '../../src';
import { run } from '../cli/run';
import { BOOKWORM } from '../support/source-props';
import { errorOf, writeTree } from '../support/tree';

const HTTP_KEY = 'http://debian.mirror.example/key.asc';
const FPR = '0123456789ABCDEF0123456789ABCDEF01234567';
const PUBLIC_KEY = path.join(__dirname, '..', '..', 'examples', 'mirror.pub.asc');

function directory(keyUrl: string) {
  return writeTree({
    'debian/bookworm/source.txt': `http://debian.mirror.example/debian ${keyUrl} bookworm main\n`,
    'debian/bookworm/packages.txt': 'nginx\n',
  });
}

function yamlFile(keyUrl: string, extra = ''): string {
  const dir = writeTree({
    'sources.yaml': `name: debian\nurl: http://debian.mirror.example/debian\nkey_url: ${keyUrl}\n${extra}components: [main]\nsubrepos:\n  - distribution: bookworm\n    packages:\n      - name: nginx\n`,
  });
  return path.join(dir, 'sources.yaml');
}

describe('typed props', () => {
  test('an unpinned http key is refused, naming the settings that fix it', () => {
    const msg = errorOf(() => new MirrorSource({ ...BOOKWORM, keyUrl: HTTP_KEY }));
    expect(msg).toMatch(/keyUrl: key url http:\/\/debian\.mirror\.example\/key\.asc is not https and no key fingerprint is pinned: anyone on the path can replace the key; pin it \(keyFingerprints\) or set insecureKeyUrl/);
  });

  test.each([
    ['https', { keyUrl: 'https://debian.mirror.example/key.asc' }],
    ['a pin', { keyUrl: HTTP_KEY, keyFingerprints: [FPR] }],
    ['the opt-in', { keyUrl: HTTP_KEY, insecureKeyUrl: true }],
    ['no verification at all (the key is not used)', { keyUrl: HTTP_KEY, insecureSkipUpstreamVerification: true }],
  ])('accepted with %s', (_what, props) => {
    const source = new MirrorSource({ ...BOOKWORM, ...props });
    expect(source.insecureKeyUrl).toBe(props.keyUrl === HTTP_KEY && 'insecureKeyUrl' in props);
  });
});

describe('loaders', () => {
  test('directory: refused at source.txt:line:column', () => {
    const dir = directory(HTTP_KEY);
    const msg = errorOf(() => MirrorSource.fromDirectory(dir));
    expect(msg).toContain(`${dir}/debian/bookworm/source.txt:1:37: key url ${HTTP_KEY} is not https and no key fingerprint is pinned`);
  });

  test('directory: accepted with https, an override pin or the override opt-in', () => {
    expect(MirrorSource.fromDirectory(directory('https://debian.mirror.example/key.asc'))).toHaveLength(1);
    const dir = directory(HTTP_KEY);
    expect(MirrorSource.fromDirectory(dir, { overrides: { 'debian/bookworm': { keyFingerprints: [FPR] } } })[0].keyFingerprints).toEqual([FPR]);
    expect(MirrorSource.fromDirectory(dir, { overrides: { 'debian/bookworm': { insecureKeyUrl: true } } })[0].insecureKeyUrl).toBe(true);
  });

  test('YAML: refused at the key_url line; insecure_key_url: true accepts it', () => {
    const file = yamlFile(HTTP_KEY);
    expect(errorOf(() => MirrorSource.fromYamlFile(file))).toContain(`${file}:3:10: key url ${HTTP_KEY} is not https`);
    expect(MirrorSource.fromYamlFile(yamlFile(HTTP_KEY, 'insecure_key_url: true\n'))[0].insecureKeyUrl).toBe(true);
    expect(errorOf(() => MirrorSource.fromYamlFile(yamlFile(HTTP_KEY, 'insecure_key_url: yes please\n')))).toMatch(/:4:19: "insecure_key_url" must be true or false/);
    expect(errorOf(() => MirrorSource.fromYamlFile(yamlFile(HTTP_KEY, 'insecure_key_urls: true\n')))).toMatch(/:4:1: unknown key "insecure_key_urls": did you mean "insecure_key_url"\?/);
  });
});

describe('command line', () => {
  test('check: refused with file:line and the flags named; --key-fingerprint or --insecure-key-url accept it', () => {
    const dir = directory(HTTP_KEY);
    const r = run('check', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${dir}/debian/bookworm/source.txt:1:37: key url ${HTTP_KEY} is not https and no key fingerprint is pinned`);
    expect(r.err).toMatch(/hint: to pin the key from the command line, pass --key-fingerprint <source id>=<fingerprint>; to accept an unauthenticated key, pass --insecure-key-url <source id>/);

    expect(run('check', dir, '--key-fingerprint', `debian/bookworm=${FPR}`)).toMatchObject({ code: 0, err: '' });
    const optIn = run('check', dir, '--insecure-key-url', 'debian/bookworm');
    expect(optIn.code).toBe(0);
    expect(optIn.err).toMatch(/warning: the upstream key of debian\/bookworm is NOT authenticated \(--insecure-key-url\)/);
  });

  test('synth: refused the same way', () => {
    const dir = directory(HTTP_KEY);
    const r = run('synth', '--sources', dir, '--signing-secret', 'mirror-signing', '--public-key', PUBLIC_KEY,
      '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--out', writeTree({}));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`source.txt:1:37: key url ${HTTP_KEY} is not https and no key fingerprint is pinned`);
    expect(r.err).toContain('--insecure-key-url <source id>');
  });
});
