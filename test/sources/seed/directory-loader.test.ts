import * as fs from 'fs';
import * as path from 'path';
import { MirrorSource, SourceLoadOptions } from '../../../src';
import { countCanonicalLines } from '../../../src/sources/query/canonical';
import { meaningfulLines } from '../../../src/sources/seed/seed-text';
import { errorOf, writeTree } from '../../support/tree';

const SOURCE = 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main contrib\n';

const BOOKWORM = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'https://debian.mirror.example/key.asc',
  distribution: 'bookworm',
  components: ['main', 'contrib'],
};

function good(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'debian/bookworm/source.txt': SOURCE,
    'debian/bookworm/packages.txt': 'nginx\npackage3 (>=3.6)\n',
    ...extra,
  };
}

describe('MirrorSource.fromDirectory', () => {
  test('loads the seed layout, keeping whole queries', () => {
    const dir = writeTree({
      ...good(),
      'debian/bookworm-updates/source.txt': '# comment\n\nhttp://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm-updates main\n',
      'debian/bookworm-updates/packages.txt': '# tzdata first\ntzdata   # trailing comment\n\nlibc6 (>= 2.36)\n',
      'debian/bookworm-updates/aptly.conf': '{ "architectures": ["amd64"], "downloadConcurrency": 2 }',
    });
    const sources = MirrorSource.fromDirectory(dir);
    expect(sources.map(s => s.id)).toEqual(['debian/bookworm', 'debian/bookworm-updates']);
    const [a, b] = sources;
    expect(a.url).toBe('http://debian.mirror.example/debian');
    expect(a.keyUrl).toBe('https://debian.mirror.example/key.asc');
    expect(a.distribution).toBe('bookworm');
    expect(a.components).toEqual(['main', 'contrib']);
    // the seed kept only the first word; the whole query must survive
    expect(a.packages).toEqual(['nginx', 'package3 (>= 3.6)']);
    expect(a.aptlyConfig).toBeUndefined();
    expect(b.packages).toEqual(['tzdata', 'libc6 (>= 2.36)']);
    expect(b.aptlyConfig?.json).toEqual({ architectures: ['amd64'], downloadConcurrency: 2 });
    expect(b.definedAt).toContain('bookworm-updates');
  });

  test('applies per-source overrides', () => {
    const dir = writeTree(good());
    const [s] = MirrorSource.fromDirectory(dir, {
      overrides: { 'debian/bookworm': { keyFingerprints: ['8452 F816 49C8 0F49 FB06  3DFF 6184 930A 63F2 EB69'], architectures: ['arm64'], label: 'Mirror' } },
    });
    expect(s.keyFingerprints).toEqual(['8452F81649C80F49FB063DFF6184930A63F2EB69']);
    expect(s.architectures).toEqual(['arm64']);
    expect(s.label).toBe('Mirror');
  });

  test('loads a flat repository ("url key_url ./"), published under the source name', () => {
    const dir = writeTree({
      ...good(),
      'vendor/stable/source.txt': 'http://vendor.mirror.example/deb/ https://vendor.mirror.example/key.asc ./\n',
      'vendor/stable/packages.txt': 'tool\n',
      'vendor/sub/source.txt': 'http://vendor.mirror.example/deb/ https://vendor.mirror.example/key.asc amd64/\n',
      'vendor/sub/packages.txt': 'tool\n',
    });
    const [, stable, sub] = MirrorSource.fromDirectory(dir);
    expect([stable.distribution, stable.components, stable.publishDistribution, stable.world]).toEqual(['./', [], 'stable', undefined]);
    expect(stable.sourceTxt).toBe('http://vendor.mirror.example/deb/ https://vendor.mirror.example/key.asc ./\n');
    expect([sub.distribution, sub.publishDistribution]).toEqual(['amd64/', 'sub']);
  });

  test('worlds and broad queries come from the load options', () => {
    const dir = writeTree(good({ 'debian/bookworm/packages.txt': '!python3\n' }));
    expect(() => MirrorSource.fromDirectory(dir)).toThrow(/is a negation/);
    const [s] = MirrorSource.fromDirectory(dir, { allowBroadQueries: true, overrides: { 'debian/bookworm': { world: 'debian12' } } });
    expect([s.allowBroadQueries, s.world]).toEqual([true, 'debian12']);
    const [t] = MirrorSource.fromDirectory(dir, { overrides: { 'debian/bookworm': { allowBroadQueries: true } } });
    expect(t.packages).toEqual(['!python3']);
  });

  test('follows symlinked prefix and source directories', () => {
    const real = writeTree(good());
    const dir = writeTree({});
    fs.mkdirSync(path.join(dir, 'vendor'));
    fs.symlinkSync(path.join(real, 'debian'), path.join(dir, 'debian'));
    fs.symlinkSync(path.join(real, 'debian', 'bookworm'), path.join(dir, 'vendor', 'tools'));
    expect(MirrorSource.fromDirectory(dir).map(s => s.id)).toEqual(['debian/bookworm', 'vendor/tools']);
  });

  test('ignores dotfiles such as .gitkeep', () => {
    const dir = writeTree({ ...good(), '.gitkeep': '', 'debian/.DS_Store': '' });
    expect(MirrorSource.fromDirectory(dir)).toHaveLength(1);
  });

  test('reports every problem in one run, each with file and line', () => {
    const dir = writeTree({
      'debian/bookworm/source.txt': 'ftp://x.example/debian https://x.example/key bookworm main\n',
      'debian/bookworm/packages.txt': 'nginx\nlib*\nlibc6:amd64\n',
      'vendor/tools/source.txt': 'http://v.example/apt https://v.example/key\n',
      'vendor/tools/packages.txt': '',
    });
    const msg = errorOf(() => MirrorSource.fromDirectory(dir));
    expect(msg).toMatch(/^5 problems in sources directory/);
    expect(msg).toContain('debian/bookworm/source.txt:1:1: url "ftp://x.example/debian" must use http or https');
    expect(msg).toContain('debian/bookworm/packages.txt:2:');
    expect(msg).toContain('Name (% lib*)');
    expect(msg).toContain('debian/bookworm/packages.txt:3:');
    expect(msg).toContain('libc6 {amd64}');
    expect(msg).toContain('vendor/tools/source.txt:1: missing dist, component');
    expect(msg).toContain('vendor/tools/packages.txt:1: no package queries');
  });

  test('a duplicate, an unverified aptly.conf and bad queries show up together with incomplete sources', () => {
    const dir = writeTree({
      'debian/bookworm/source.txt': SOURCE,
      'debian/bookworm/packages.txt': 'nginx\n',
      // publishes debian/dists/bookworm again, and has a bad query
      'debian/again/source.txt': `# the same distribution\n${SOURCE}`,
      'debian/again/packages.txt': 'curl\nlib*\n',
      // no packages.txt, an aptly.conf that turns verification off, a bad component
      'vendor/tools/source.txt': 'http://v.example/apt https://v.example/key stable Main\n',
      'vendor/tools/aptly.conf': '{\n  "gpgDisableVerify": true\n}\n',
      // no component, a bad query
      'other/x/source.txt': 'http://o.example/apt https://o.example/key stable\n',
      'other/x/packages.txt': 'Nginx\n',
    });
    const msg = errorOf(() => MirrorSource.fromDirectory(dir));
    expect(msg).toMatch(/^7 problems in sources directory/);
    const where = msg.split('\n').slice(1).map(l => l.trim().replace(dir, '<dir>').replace(/^(\S+?): .*$/, '$1'));
    expect(where).toEqual([
      '<dir>/debian/again/packages.txt:2:4',
      '<dir>/other/x/source.txt:1',
      '<dir>/other/x/packages.txt:1:1',
      '<dir>/vendor/tools/packages.txt',
      '<dir>/vendor/tools/source.txt:1:51',
      '<dir>/vendor/tools/aptly.conf:2',
      '<dir>/debian/bookworm/source.txt:1:75',
    ]);
    expect(msg).toContain('component "Main" must start with a lowercase letter or digit and contain only');
    expect(msg).toContain('"gpgDisableVerify": true');
    expect(msg).toContain(`source debian/bookworm publishes debian/dists/bookworm, like debian/again (${dir}/debian/again/source.txt:2:75): give one of them another prefix`);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['missing source.txt', { 'debian/bookworm/packages.txt': 'nginx\n' }, /debian\/bookworm\/source\.txt: missing source\.txt/],
    ['missing packages.txt', { 'debian/bookworm/source.txt': SOURCE }, /debian\/bookworm\/packages\.txt: missing packages\.txt/],
    ['empty source.txt', good({ 'debian/bookworm/source.txt': '\n# nothing\n' }), /source\.txt:1: empty source\.txt/],
    ['only a url', good({ 'debian/bookworm/source.txt': 'http://a.example/d\n' }), /source\.txt:1: missing key_url, dist, component/],
    ['no component', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k bookworm\n' }), /source\.txt:1: missing component: expected "url key_url dist component \[component\.\.\.\]", or "url key_url \.\/" for a flat repository/],
    ['a second line', good({ 'debian/bookworm/source.txt': `${SOURCE}\n${SOURCE}` }), /source\.txt:3: second non-empty line/],
    ['bad url', good({ 'debian/bookworm/source.txt': 'debian.mirror.example https://a.example/k bookworm main\n' }), /source\.txt:1:1: url "debian\.mirror\.example" is not a valid URL/],
    ['credentials in url', good({ 'debian/bookworm/source.txt': 'http://u:p@a.example/d https://a.example/k bookworm main\n' }), /source\.txt:1:1: .*contains credentials/],
    ['bad key url', good({ 'debian/bookworm/source.txt': 'http://a.example/d file:///etc/key bookworm main\n' }), /source\.txt:1:20: key url "file:\/\/\/etc\/key" must use http or https/],
    ['dist with slash', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k buster/updates main\n' }), /source\.txt:1:40: distribution "buster\/updates" contains '\/'/],
    ['flat repository with a component', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k ./ main\n' }), /source\.txt:1:43: a flat repository \("\.\/"\) has no components: remove "main"/],
    ['flat repository above its URL', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k ../ \n' }), /source\.txt:1:40: flat repository directory "\.\.\/" must be/],
    ['security components as its Release lists them', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k bookworm-security updates/main\n' }), /source\.txt:1:58: component "updates\/main" names a path of the archive: write "main"/],
    ['broad query', good({ 'debian/bookworm/packages.txt': 'nginx\n  Name (% *)\n' }), /packages\.txt:2:11: query "Name \(% \*\)" matches every value of 'Name'.*OR-ed together/],
    ['negation alone', good({ 'debian/bookworm/packages.txt': 'Priority (required)\n!python3\n' }), /packages\.txt:2:1: query "!python3" is a negation.*'Priority \(required\), !python3'.*allowBroadQueries/],
    ['bad world override', good(), /overrides\["debian\/bookworm"\]\.world: world "Bookworm" must be/],
    ['dist with shell chars', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k bookworm;rm main\n' }), /distribution "bookworm;rm" must start with a letter or digit and contain only/],
    ['bad component', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k bookworm Main\n' }), /source\.txt:1:49: component "Main" must start with a lowercase letter or digit/],
    ['duplicate component', good({ 'debian/bookworm/source.txt': 'http://a.example/d https://a.example/k bookworm main main\n' }), /component "main" is listed twice/],
    ['empty packages.txt', good({ 'debian/bookworm/packages.txt': '# nothing yet\n' }), /packages\.txt:1: no package queries/],
    ['@file query', good({ 'debian/bookworm/packages.txt': 'nginx\n@packages.txt\n' }), /packages\.txt:2:1: invalid package query "@packages\.txt"/],
    ['quoted name', good({ 'debian/bookworm/packages.txt': '"nginx"\n' }), /packages\.txt:1:1: invalid package query ""nginx"": remove the quotes/],
    ['no space before (', good({ 'debian/bookworm/packages.txt': 'nginx (>= \n' }), /packages\.txt:1:\d+: invalid package query/],
    ['unbalanced parenthesis', good({ 'debian/bookworm/packages.txt': 'nginx\n\n(nginx | apache2\n' }), /packages\.txt:3:\d+: invalid package query "\(nginx \| apache2"/],
    ['malformed aptly.conf', good({ 'debian/bookworm/aptly.conf': '{\n  "architectures": ["amd64"],\n  "x": \n}\n' }), /aptly\.conf:4: aptly config is not valid JSON/],
    ['aptly.conf not an object', good({ 'debian/bookworm/aptly.conf': '[1, 2]' }), /aptly\.conf:1: aptly config must be a JSON object/],
    ['aptly.conf bad architecture', good({ 'debian/bookworm/aptly.conf': '{\n "architectures": ["x86_64"]\n}' }), /aptly\.conf:2: architecture "x86_64" is not a Debian architecture/],
    ['aptly.conf disables verification', good({ 'debian/bookworm/aptly.conf': '{\n  "gpgDisableVerify": true\n}' }), /aptly\.conf:2: .*"gpgDisableVerify": true.*insecureSkipUpstreamVerification/],
    ['stray file in source dir', good({ 'debian/bookworm/notes.md': 'x' }), /debian\/bookworm\/notes\.md: stray file/],
    ['stray directory in source dir', good({ 'debian/bookworm/old/packages.txt': 'x' }), /debian\/bookworm\/old: stray directory: a source directory holds only/],
    ['stray file at top level', good({ 'README.txt': 'x' }), /README\.txt: stray file: the sources directory holds only/],
    ['stray file in prefix dir', good({ 'debian/source.txt': SOURCE }), /debian\/source\.txt: stray file: a prefix directory holds only/],
    ['empty prefix dir', good({ 'vendor/': '' }), /vendor: empty prefix directory/],
    ['bad prefix', good({ 'déb/x/source.txt': SOURCE, 'déb/x/packages.txt': 'nginx\n' }), /prefix "déb" must be one path segment/],
    ['reserved prefix', { 'manifest.json/x/source.txt': SOURCE, 'manifest.json/x/packages.txt': 'nginx\n' }, /prefix "manifest\.json" is reserved/],
    ['duplicate prefix and dist', good({ 'debian/other/source.txt': SOURCE, 'debian/other/packages.txt': 'curl\n' }), /publishes debian\/dists\/bookworm, like debian\/bookworm/],
    ['override for unknown source', good(), /overrides name source "debian\/bullseye", which is not defined here/],
    ['bad override fingerprint', good(), /overrides\["debian\/bookworm"\]\.keyFingerprints: "ABCD1234" is a key ID/],
  ];

  test.each(bad)('%s', (_name, files, expected) => {
    const dir = writeTree(files);
    const options: SourceLoadOptions = _name === 'override for unknown source'
      ? { overrides: { 'debian/bullseye': {} } }
      : _name === 'bad override fingerprint' ? { overrides: { 'debian/bookworm': { keyFingerprints: ['ABCD1234'] } } }
        : _name === 'bad world override' ? { overrides: { 'debian/bookworm': { world: 'Bookworm' } } } : {};
    const msg = errorOf(() => MirrorSource.fromDirectory(dir, options));
    expect(msg).toMatch(expected);
    // every problem line names a file below the directory
    for (const line of msg.split('\n').slice(1)) expect(line).toContain(dir);
  });

  test('a missing directory says what to give', () => {
    expect(errorOf(() => MirrorSource.fromDirectory('/nonexistent/sources'))).toMatch(/\/nonexistent\/sources: not a directory/);
  });

  test('an empty directory has no sources', () => {
    expect(errorOf(() => MirrorSource.fromDirectory(writeTree({})))).toMatch(/no sources found/);
  });
});

describe('countCanonicalLines', () => {
  // A packages.txt it counts is taken as it is, without per-query checks: it must only count
  // text whose every line CANONICAL_QUERY accepts.
  test.each([
    ['nginx\nlibc6 (>= 2.36)\ntool {arm64}\nab (>= 1) | bc\n', 4],
    ['nginx\n', 1],
    ['nginx', undefined],
    ['', undefined],
    ['\n', undefined],
    ['nginx\n\n', undefined],
    ['nginx \n', undefined],
    [' nginx\n', undefined],
    ['nginx\r\n', undefined],
    ['# list\nnginx\n', undefined],
    ['nginx\nNginx\n', undefined],
    ['nginx\ncurl (>=8)\n', undefined],
    ['nginx\nlib*\n', undefined],
  ])('%j', (text, expected) => {
    expect(countCanonicalLines(text)).toBe(expected);
  });

  test('a canonical packages.txt loads exactly like the same queries given as props', () => {
    const text = 'nginx\nlibc6 (>= 2.36) {amd64}\npython3 (>= 3.11~) | python3-alt\ncurl, curl-doc\n';
    expect(countCanonicalLines(text)).toBe(4);
    const [loaded] = MirrorSource.fromDirectory(writeTree(good({ 'debian/bookworm/packages.txt': text })));
    const typed = new MirrorSource({ ...BOOKWORM, packages: text.trim().split('\n') });
    expect(loaded.packagesTxt).toBe(text);
    expect(loaded.packages).toEqual(typed.packages);
    expect(loaded.requestedPackageNames).toEqual(typed.requestedPackageNames);
    expect(loaded.requestedPackageNames).toEqual(['nginx', 'libc6']);
    // a loaded source spreads into new props like a typed one
    expect(new MirrorSource({ ...loaded, prefix: 'other' }).packagesTxt).toBe(text);
    // packages is read-only: it cannot be changed
    expect(() => loaded.packages.push('curl')).toThrow(TypeError);
    expect(loaded.packages).toHaveLength(4);
  });
});

describe('meaningfulLines', () => {
  // Tidy files take a shortcut (split as they are); both paths must give the same lines.
  test.each([
    ['tidy', 'nginx\ncurl (>= 8)\n', { texts: ['nginx', 'curl (>= 8)'], lineNumbers: [1, 2], columns: [1, 1] }],
    ['tidy, no final newline', 'nginx\ncurl', { texts: ['nginx', 'curl'], lineNumbers: [1, 2], columns: [1, 1] }],
    ['blank line', 'nginx\n\ncurl\n', { texts: ['nginx', 'curl'], lineNumbers: [1, 3], columns: [1, 1] }],
    ['leading blank line', '\nnginx\n', { texts: ['nginx'], lineNumbers: [2], columns: [1] }],
    ['indented', 'nginx\n  curl\n', { texts: ['nginx', 'curl'], lineNumbers: [1, 2], columns: [1, 3] }],
    ['trailing blanks', 'nginx \t\ncurl\n', { texts: ['nginx', 'curl'], lineNumbers: [1, 2], columns: [1, 1] }],
    ['comments', '# list\nnginx # web\ncurl#not-a-comment\n', { texts: ['nginx', 'curl#not-a-comment'], lineNumbers: [2, 3], columns: [1, 1] }],
    ['CRLF', 'nginx\r\ncurl\r\n', { texts: ['nginx', 'curl'], lineNumbers: [1, 2], columns: [1, 1] }],
    ['only a newline', '\n', { texts: [], lineNumbers: [], columns: [] }],
    ['empty', '', { texts: [], lineNumbers: [], columns: [] }],
  ])('%s', (_name, text, expected) => {
    expect(meaningfulLines(text)).toEqual(expected);
  });
});
