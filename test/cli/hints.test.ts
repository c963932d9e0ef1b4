import { Chart, Testing } from 'cdk8s';
import { AptlyConfig, MiniMirror, MirrorSource, MirrorSourceProps, ReleaseSigning, ServingServiceType } from '../../src';
import { messageOf } from '../../src/cli/errors';
import { adviceOf, withHints } from '../../src/cli/hints';
import { ProblemsError } from '../../src/sources/problems';
import { assignWorlds } from '../../src/sources/worlds';
import { HintedError, hintedError, ProblemHint } from '../../src/util/hinted-error';
import { BOOKWORM } from '../support/source-props';
import { SNAPSHOT_PUBLIC_KEY } from '../support/test-keys';
import { writeTree } from '../support/tree';

/** The error `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but none was thrown');
}

const SOURCE = {
  'x/y/source.txt': 'http://x.mirror.example/ https://x.mirror.example/k stable main\n',
  'x/y/packages.txt': 'curl\n',
};

const BASE: MirrorSourceProps = BOOKWORM;

describe('each kind of advice has its command-line hint', () => {
  test.each<[ProblemHint, RegExp]>([
    ['insecureSkipUpstreamVerification', /hint: to opt a source out from the command line, pass --insecure-skip-upstream-verification <source id>/],
    ['allowMissingDependencies', /hint: to publish a source with missing dependencies from the command line, pass --allow-missing-dependencies <source id>/],
    ['keyFingerprints', /hint: to pin an upstream key from the command line, pass --key-fingerprint <source id>=<fingerprint>/],
    ['insecureKeyUrl', /hint: to pin the key from the command line, pass --key-fingerprint <source id>=<fingerprint>; to accept an unauthenticated key, pass --insecure-key-url <source id>/],
    ['allowBroadQueries', /hint: to accept such queries from the command line, pass --allow-broad-queries <source id>/],
    ['world', /hint: to set a source's world from the command line, pass --world <source id>=<world>/],
    ['overrides', /hint: the per-source options \(--key-fingerprint, --world, --allow-missing-dependencies, \.\.\.\) take a source id that "mini-mirror check" lists/],
    ['namespace', /hint: from the command line, pass --namespace <namespace> \(the one you apply the YAML to\), or --base-url <url clients use>/],
    ['clientKeyPath', /hint: from the command line, pass --client-key-path \/etc\/apt\/keyrings\/<name>\.asc/],
    ['splitInstances', /hint: from the command line, split the sources into several directories and synth each with its own --name/],
  ])('%s', (hint, expected) => {
    // The hint follows the mark, whatever the message says.
    const message = withHints(hintedError('any wording at all', hint));
    expect(message).toMatch(/^any wording at all\n {2}hint: /);
    expect(message).toMatch(expected);
  });

  test('an error without a mark and without a known wording gets no hint', () => {
    expect(withHints(new Error('set allowBroadQueries on the source'))).toBe('set allowBroadQueries on the source');
    expect(withHints('not even an Error')).toBe('not even an Error');
  });

  test('several problems: each hint once, in a fixed order', () => {
    const error = new ProblemsError('x', [
      { message: 'a', hint: 'world' },
      { message: 'b', hint: 'allowBroadQueries' },
      { message: 'c', hint: 'world' },
      { message: 'd' },
    ]);
    expect(error.hints).toEqual(['world', 'allowBroadQueries']);
    expect(withHints(error).split('\n').filter(l => l.includes('hint:'))).toEqual([
      '  hint: to accept such queries from the command line, pass --allow-broad-queries <source id>',
      '  hint: to set a source\'s world from the command line, pass --world <source id>=<world>',
    ]);
  });
});

describe('the place that raises a problem marks its advice', () => {
  test('loaders: unverified upstream, broad query, bad pin, unknown override id', () => {
    const unverified = writeTree({ ...SOURCE, 'x/y/aptly.conf': '{ "gpgDisableVerify": true }' });
    expect(adviceOf(thrown(() => MirrorSource.fromDirectory(unverified)))).toEqual(['insecureSkipUpstreamVerification']);
    const broad = writeTree({ ...SOURCE, 'x/y/packages.txt': 'curl\n!python3\n' });
    expect(adviceOf(thrown(() => MirrorSource.fromDirectory(broad)))).toEqual(['allowBroadQueries']);
    const dir = writeTree(SOURCE);
    expect(adviceOf(thrown(() => MirrorSource.fromDirectory(dir, { overrides: { 'x/y': { keyFingerprints: ['89ABCDEF'] } } })))).toEqual(['keyFingerprints']);
    expect(adviceOf(thrown(() => MirrorSource.fromDirectory(dir, { overrides: { 'x/z': { world: 'x' } } })))).toEqual(['overrides']);
  });

  test('typed props and worlds', () => {
    expect(thrown(() => new MirrorSource({ ...BASE, packages: ['!python3'] }))).toBeInstanceOf(HintedError);
    expect(adviceOf(thrown(() => new MirrorSource({ ...BASE, packages: ['!python3'] })))).toEqual(['allowBroadQueries']);
    const flat = new MirrorSource({ ...BASE, prefix: 'vendor', distribution: './', components: [] });
    const jammy = new MirrorSource({ ...BASE, name: 'jammy', distribution: 'jammy' });
    expect(adviceOf(thrown(() => assignWorlds([new MirrorSource(BASE), jammy, flat])))).toEqual(['world']);
  });

  test('a message that merely names a prop is no advice', () => {
    const yaml = writeTree({ 's.yaml': 'name: x\nurl: http://x.mirror.example/\nkey_url: https://x.mirror.example/k\nallowBroadQueries: true\ncomponents: [main]\nsubrepos:\n  - distribution: stable\n    packages:\n      - name: curl\n' });
    expect(adviceOf(thrown(() => MirrorSource.fromYamlFile(`${yaml}/s.yaml`)))).toEqual([]);
  });
});

describe('construct errors outside src/sources carry their advice where they are raised', () => {
  const SIGNING = ReleaseSigning.insecureUnsigned();
  const IMAGE = { repository: 'registry.example.com/mini-mirror' };
  const chart = (namespace?: string) => new Chart(Testing.app(), 'c', { namespace });

  test('a default aptly config that disables verification: insecureSkipUpstreamVerification', () => {
    const error = thrown(() => new MiniMirror(chart('apt-mirror'), 'm', {
      sources: [new MirrorSource(BASE)],
      signing: SIGNING,
      image: IMAGE,
      defaultAptlyConfig: AptlyConfig.fromJson({ gpgDisableVerify: true }, 'aptly.conf'),
    }));
    expect(messageOf(error)).toMatch(/set insecureSkipUpstreamVerification on that source/);
    expect(adviceOf(error)).toEqual(['insecureSkipUpstreamVerification']);
  });

  test('a chart without a namespace: namespace', () => {
    const error = thrown(() => new MiniMirror(chart(), 'm', { sources: [new MirrorSource(BASE)], signing: SIGNING, image: IMAGE }));
    expect(messageOf(error)).toMatch(/set namespace on the Chart/);
    expect(adviceOf(error)).toEqual(['namespace']);
  });

  test('a NodePort without clients.baseUrl gets no command-line hint (its advice has none)', () => {
    const error = thrown(() => new MiniMirror(chart('apt-mirror'), 'm', {
      sources: [new MirrorSource(BASE)], signing: SIGNING, image: IMAGE, serving: { serviceType: ServingServiceType.nodePort(30888) },
    }));
    expect(messageOf(error)).toMatch(/set clients\.baseUrl to a node's address/);
    expect(adviceOf(error)).toEqual([]);
  });

  test('client .sources too large with the key in each: clientKeyPath; build.json too large: splitInstances', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => new MirrorSource({ ...BASE, prefix: `p${i}` }));
    const signed = ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: SNAPSHOT_PUBLIC_KEY });
    const keyInEach = thrown(() => new MiniMirror(chart('apt-mirror'), 'm', { sources: many(1500), signing: signed, image: IMAGE }));
    expect(messageOf(keyInEach)).toMatch(/set clients\.keyPath/);
    expect(adviceOf(keyInEach)).toEqual(['clientKeyPath']);
    const tooMany = thrown(() => new MiniMirror(chart('apt-mirror'), 'm', {
      sources: many(4000), signing: SIGNING, image: IMAGE, clients: { keyPath: '/etc/apt/keyrings/m.asc' }, smokeTest: { enabled: false },
    }));
    expect(messageOf(tooMany)).toMatch(/split them over several MiniMirror instances/);
    expect(adviceOf(tooMany)).toEqual(['splitInstances']);
  });
});
