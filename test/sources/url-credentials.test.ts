// Credentials never enter the synthesized YAML and are never echoed: URLs with userinfo, query
// strings or fragments and proxies with credentials are refused with the secret redacted.
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { MiniMirror, MirrorSource, ReleaseSigning } from '../../src';
import { checkUrl } from '../../src/sources/validation';
import { proxyValueProblem } from '../../src/util/proxy-url';
import { redactUrl } from '../../src/util/redact';
import { run } from '../cli/run';
import { BOOKWORM } from '../support/source-props';
import { SNAPSHOT_PUBLIC_KEY } from '../support/test-keys';
import { errorOf, writeTree } from '../support/tree';

const SECRET = 's3cr3tT0ken';
const PUBLIC_KEY = path.join(__dirname, '..', '..', 'examples', 'mirror.pub.asc');
const SYNTH = ['--signing-secret', 'mirror-signing', '--public-key', PUBLIC_KEY, '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror'];

/** Every form a secret hides in, in a repository URL. */
const URLS: Array<[string, string]> = [
  ['user:password@', `https://mirror:${SECRET}@debian.mirror.example/debian`],
  ['token@', `https://${SECRET}@debian.mirror.example/debian`],
  ['a query string', `https://debian.mirror.example/debian?token=${SECRET}`],
  ['a fragment', `https://debian.mirror.example/debian#${SECRET}`],
  ['percent-encoded userinfo', `https://mirror%40corp:${SECRET}@debian.mirror.example/debian`],
];

function sourcesDir(url: string, keyUrl: string) {
  return writeTree({ 'debian/bookworm/source.txt': `${url} ${keyUrl} bookworm main\n`, 'debian/bookworm/packages.txt': 'nginx\n' });
}

describe('repository and key URLs', () => {
  test.each(URLS)('url with %s: refused by the construct, the secret not in the message', (_form, url) => {
    const msg = errorOf(() => new MirrorSource({ ...BOOKWORM, url }));
    expect(msg).toMatch(/url ".*\*\*\*.*" (contains credentials|has a query string|contains a fragment)/);
    expect(msg).not.toContain(SECRET);
  });

  test.each(URLS)('key url with %s: refused, the secret not in the message', (_form, keyUrl) => {
    const msg = errorOf(() => new MirrorSource({ ...BOOKWORM, keyUrl }));
    expect(msg).toMatch(/keyUrl: key url ".*\*\*\*.*"/);
    expect(msg).not.toContain(SECRET);
  });

  test.each(URLS)('check: url with %s refused at source.txt:1:1, the secret not printed', (_form, url) => {
    const r = run('check', sourcesDir(url, 'https://debian.mirror.example/key.asc'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/source\.txt:1:1: url "/);
    expect(r.out + r.err).not.toContain(SECRET);
  });

  test('check: a key_url with a token refused, not printed', () => {
    const r = run('check', sourcesDir('http://debian.mirror.example/debian', `https://debian.mirror.example/key.asc?token=${SECRET}`));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/source\.txt:1:37: key url "https:\/\/debian\.mirror\.example\/key\.asc\?\*\*\*" has a query string/);
    expect(r.err).not.toContain(SECRET);
  });

  test('a URL that does not parse is not echoed with its userinfo either', () => {
    const msg = errorOf(() => new MirrorSource({ ...BOOKWORM, url: `mirror:${SECRET}@debian.mirror.example/debian` }));
    expect(msg).toMatch(/is not a valid URL|must use http or https|contains credentials/);
    expect(msg).not.toContain(SECRET);
  });

  test('redactUrl keeps scheme, host and path', () => {
    expect(redactUrl(`http://u:${SECRET}@proxy.example:3128`)).toBe('http://***@proxy.example:3128');
    expect(redactUrl(`u:${SECRET}@proxy.example:3128`)).toBe('***@proxy.example:3128');
    expect(redactUrl(`https://a.example/p?t=${SECRET}#x`)).toBe('https://a.example/p?***#***');
    // Any '@' may end a password that holds '/', '?' or '#': everything before the last one goes.
    expect(redactUrl('https://a.example/dists/x@y')).toBe('https://***@y');
  });

  test.each([
    `https://oauth2:abc/${SECRET}@gitlab.example.com/apt`,
    `https://user:pa#${SECRET}@host.example/debian`,
    `https://user:pa?${SECRET}@host.example/debian`,
  ])('a password holding /, # or ? is refused and never shown: %s', (value) => {
    const problem = checkUrl('url', value);
    expect(problem).toMatch(/contains credentials/);
    expect(problem).not.toContain(SECRET);
  });

  test.each([`http://user:s3cr/${SECRET}@proxy.example:3128`, `user:s3cr/${SECRET}@proxy.example:3128`])('a proxy whose password holds / is refused, redacted: %s', (value) => {
    const problem = proxyValueProblem('HTTPS_PROXY', value);
    expect(problem).toBeDefined();
    expect(problem).not.toContain(SECRET);
  });
});

describe('the clients\' base URL', () => {
  test('--base-url with credentials: refused, the secret not printed', () => {
    const r = run('synth', '--sources', sourcesDir('http://debian.mirror.example/debian', 'https://debian.mirror.example/key.asc'), ...SYNTH,
      '--out', writeTree({}), '--base-url', `https://apt:${SECRET}@apt.platform.example`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/baseUrl "https:\/\/\*\*\*@apt\.platform\.example" must be a plain http:\/\/ or https:\/\/ URL without credentials/);
    expect(r.out + r.err).not.toContain(SECRET);
  });
});

describe('image flags', () => {
  test('--image and --mirror-image with credentials: refused, the secret not printed', () => {
    const dir = sourcesDir('http://debian.mirror.example/debian', 'https://debian.mirror.example/key.asc');
    const r = run('synth', '--sources', dir, '--signing-secret', 'mirror-signing', '--public-key', PUBLIC_KEY, '--namespace', 'apt-mirror',
      '--image', `pusher:${SECRET}@registry.example.com/mini-mirror`, '--mirror-image', `https://pusher:${SECRET}@registry.example.com/tools`, '--out', writeTree({}));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--image "\*\*\*@registry\.example\.com\/mini-mirror" is not a valid image repository/);
    expect(r.err).toMatch(/--mirror-image "https:\/\/\*\*\*@registry\.example\.com\/tools" is not an image reference/);
    expect(r.out + r.err).not.toContain(SECRET);
  });
});

describe('proxies', () => {
  const PROXIES: Array<[string, string]> = [
    ['user:pass@host:port without a scheme', `build:${SECRET}@proxy.example:3128`],
    ['user:pass@ with a scheme', `http://build:${SECRET}@proxy.example:3128`],
    ['token@', `http://${SECRET}@proxy.example:3128`],
    ['a query string', `http://proxy.example:3128/?token=${SECRET}`],
  ];

  function synthWith(httpsProxy: string) {
    const chart = new Chart(Testing.app(), 'mirror', { namespace: 'apt-mirror' });
    new MiniMirror(chart, 'mirror', {
      sources: [new MirrorSource(BOOKWORM)],
      signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: SNAPSHOT_PUBLIC_KEY }),
      image: { repository: 'registry.example.com/mini-mirror' },
      buildJob: { proxy: { httpsProxy } },
    });
  }

  test.each(PROXIES)('construct: %s refused, the secret not in the message', (_form, value) => {
    const msg = errorOf(() => synthWith(value));
    expect(msg).toMatch(/^proxy value for HTTPS_PROXY (carries credentials|".*" has a query)/);
    expect(msg).not.toContain(SECRET);
  });

  test('construct: a credential message says the build has no Secret for proxy credentials', () => {
    expect(errorOf(() => synthWith(`build:${SECRET}@proxy.example:3128`)))
      .toMatch(/the build cannot read proxy credentials from a Secret \(got \*\*\*@proxy\.example:3128\)/);
  });

  test.each(PROXIES)('synth --http-proxy with %s: exit 1 naming the flag, the secret printed nowhere', (_form, value) => {
    const out = writeTree({});
    const r = run('synth', '--sources', sourcesDir('http://debian.mirror.example/debian', 'https://debian.mirror.example/key.asc'), ...SYNTH, '--out', out,
      '--http-proxy', value);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--http-proxy: proxy value for HTTP_PROXY/);
    expect(r.out + r.err).not.toContain(SECRET);
  });

  test('a plain proxy URL, with or without a scheme, is accepted', () => {
    expect(() => synthWith('http://proxy.example:3128')).not.toThrow();
    expect(() => synthWith('proxy.example:3128')).not.toThrow();
  });
});
