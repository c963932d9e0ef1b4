import { MirrorSource, MirrorSourceProps } from '../../src';
import { adviceOf, withHints } from '../../src/cli/hints';
import { ProblemsError } from '../../src/sources/problems';
import { assignWorlds } from '../../src/sources/worlds';
import { HintedError, hintedError, ProblemHint } from '../../src/util/hinted-error';
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
  'x/y/source.txt': 'http://x.mirror.example/ http://x.mirror.example/k stable main\n',
  'x/y/packages.txt': 'curl\n',
};

const BASE: MirrorSourceProps = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'http://debian.mirror.example/key.asc',
  distribution: 'bookworm',
  components: ['main'],
  packages: ['nginx'],
};

describe('each kind of advice has its command-line hint', () => {
  test.each<[ProblemHint, RegExp]>([
    ['insecureSkipUpstreamVerification', /hint: to opt a source out from the command line, pass --insecure-skip-upstream-verification <source id>/],
    ['allowMissingDependencies', /hint: to publish a source with missing dependencies from the command line, pass --allow-missing-dependencies <source id>/],
    ['keyFingerprints', /hint: to pin an upstream key from the command line, pass --key-fingerprint <source id>=<fingerprint>/],
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
    const yaml = writeTree({ 's.yaml': 'name: x\nurl: http://x.mirror.example/\nkey_url: http://x.mirror.example/k\nallowBroadQueries: true\ncomponents: [main]\nsubrepos:\n  - distribution: stable\n    packages:\n      - name: curl\n' });
    expect(adviceOf(thrown(() => MirrorSource.fromYamlFile(`${yaml}/s.yaml`)))).toEqual([]);
  });
});

describe('fallback: construct errors raised outside src/sources, recognized by their wording', () => {
  test.each<[string, ProblemHint]>([
    ['the default aptly config (x) sets "gpgDisableVerify": true, which source a/b would use: remove it, or set insecureSkipUpstreamVerification on that source', 'insecureSkipUpstreamVerification'],
    ['the chart sets no namespace, so ...: set namespace on the Chart (e.g. ...), or set clients.baseUrl', 'namespace'],
    ['the ConfigMap m-client would hold 901 KiB, ...: the key is embedded in each of its 9 .sources files: set clients.keyPath (e.g. ...)', 'clientKeyPath'],
    ['the ConfigMap m-build would hold 901 KiB, ...: its build.json lists 4000 sources: split them over several MiniMirror instances', 'splitInstances'],
  ])('%s', (message, hint) => {
    expect(adviceOf(new Error(message))).toEqual([hint]);
  });
});
