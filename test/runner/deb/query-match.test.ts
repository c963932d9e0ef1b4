import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NameIndex } from '../../../src/runner/deb/name-index';
import { parseIndex } from '../../../src/runner/deb/packages-index';
import { compileQuery, globToRegExp, goRegExp } from '../../../src/runner/deb/query-match';
import { BuildError } from '../../../src/runner/proc';
import { broadQueryLimit, checkQueryBreadth } from '../../../src/runner/query-check';
import { PackageQuery } from '../../../src/sources/package-query';

/** Control stanzas of a small archive (also built into .debs for the aptly cross-check). */
const STANZAS = [
  'Package: foo\nVersion: 1.0\nArchitecture: amd64\nPriority: required\nSection: net\nProvides: virt\nSource: foo-src',
  'Package: foo\nVersion: 2.0\nArchitecture: arm64\nPriority: optional\nSection: net\nSource: foo-src',
  'Package: bar\nVersion: 2.0\nArchitecture: all\nPriority: optional\nProvides: virtv (= 3.0)\nSource: barsrc (1.5)\nMulti-Arch: foreign',
  'Package: baz\nVersion: 1:0.5\nArchitecture: arm64\nPriority: optional\nSection: libs',
  'Package: python3-x\nVersion: 3.11.2-1\nArchitecture: amd64\nPriority: optional\nSection: python\nDepends: python3 (>= 3.11), libc6',
  'Package: libfoo1\nVersion: 1.2~rc1-1\nArchitecture: amd64\nPriority: optional\nSection: libs\nSource: foo-src (1.2~rc1-1)',
  'Package: tool-data\nVersion: 1.0+dfsg-2\nArchitecture: all\nPriority: extra\nMulti-Arch: foreign\nProvides: virt, data-virt',
];
const ENTRIES = parseIndex(STANZAS.join('\n\n') + '\n', 0, 'main');

/** What compileQuery matches, as aptly prints it: `name_version_arch`, sorted. */
function ours(query: string): string[] {
  const q = compileQuery(query);
  return ENTRIES.filter(q.matches).map(e => `${e.name}_${e.version}_${e.architecture}`).sort();
}

describe('compileQuery (aptly 1.5 semantics)', () => {
  test.each([
    // a name matches the package and, without a version condition, packages that Provide it
    ['foo', ['foo_1.0_amd64', 'foo_2.0_arm64']],
    ['virt', ['foo_1.0_amd64', 'tool-data_1.0+dfsg-2_all']],
    ['virt (>= 0)', []],
    ['virt {amd64}', ['foo_1.0_amd64', 'tool-data_1.0+dfsg-2_all']],
    // aptly 1.5 keeps Provides entries as written: a versioned Provides never matches by name
    ['virtv', []],
    // version conditions compare Debian versions; no operator means '='
    ['foo (>= 1.5)', ['foo_2.0_arm64']],
    ['foo (1.0)', ['foo_1.0_amd64']],
    ['foo (= 1.0.0)', []],
    ['libfoo1 (<< 1.2)', ['libfoo1_1.2~rc1-1_amd64']],
    ['baz (>> 0.9)', ['baz_1:0.5_arm64']],
    ['foo (% 1.*)', ['foo_1.0_amd64']],
    ['foo (~ ^2)', ['foo_2.0_arm64']],
    // architecture filters: arch:all packages match every architecture but 'source'
    ['foo {arm64}', ['foo_2.0_arm64']],
    ['bar {amd64}', ['bar_2.0_all']],
    ['bar {source}', []],
    ['$Architecture (amd64)', ['bar_2.0_all', 'foo_1.0_amd64', 'libfoo1_1.2~rc1-1_amd64', 'python3-x_3.11.2-1_amd64', 'tool-data_1.0+dfsg-2_all']],
    ['$Architecture (all)', ['bar_2.0_all', 'tool-data_1.0+dfsg-2_all']],
    ['$Architecture (% arm*)', ['baz_1:0.5_arm64', 'foo_2.0_arm64']],
    // fields
    ['Priority (required)', ['foo_1.0_amd64']],
    ['Priority (extra)', ['tool-data_1.0+dfsg-2_all']],
    ['Section (libs)', ['baz_1:0.5_arm64', 'libfoo1_1.2~rc1-1_amd64']],
    ['Name (% py*)', ['python3-x_3.11.2-1_amd64']],
    ['Name (% *-*)', ['python3-x_3.11.2-1_amd64', 'tool-data_1.0+dfsg-2_all']],
    ['Name (~ ^lib)', ['libfoo1_1.2~rc1-1_amd64']],
    ['Name (baz)', ['baz_1:0.5_arm64']],
    ['Multi-Arch (foreign)', ['bar_2.0_all', 'tool-data_1.0+dfsg-2_all']],
    ['Depends (~ python3)', ['python3-x_3.11.2-1_amd64']],
    ['Provides (% virt*)', ['bar_2.0_all', 'foo_1.0_amd64', 'tool-data_1.0+dfsg-2_all']],
    ['Section', ['baz_1:0.5_arm64', 'foo_1.0_amd64', 'foo_2.0_arm64', 'libfoo1_1.2~rc1-1_amd64', 'python3-x_3.11.2-1_amd64']],
    ['!Section', ['bar_2.0_all', 'tool-data_1.0+dfsg-2_all']],
    ['$Version (>= 2)', ['bar_2.0_all', 'baz_1:0.5_arm64', 'foo_2.0_arm64', 'python3-x_3.11.2-1_amd64']],
    ['$PackageType (deb)', ENTRIES.map(e => `${e.name}_${e.version}_${e.architecture}`).sort()],
    // $Source defaults to the package name and drops the version; $SourceVersion defaults to the version
    ['$Source (foo-src)', ['foo_1.0_amd64', 'foo_2.0_arm64', 'libfoo1_1.2~rc1-1_amd64']],
    ['$Source (barsrc)', ['bar_2.0_all']],
    ['$Source (bar)', []],
    ['$Source (baz)', ['baz_1:0.5_arm64']],
    ['$SourceVersion (1.5)', ['bar_2.0_all']],
    ['$SourceVersion (1.2~rc1-1)', ['libfoo1_1.2~rc1-1_amd64']],
    ['$SourceVersion (1:0.5)', ['baz_1:0.5_arm64']],
    // references: name_version_arch, exactly
    ['foo_1.0_amd64', ['foo_1.0_amd64']],
    ['baz_1:0.5_arm64', ['baz_1:0.5_arm64']],
    ['foo_1.0_arm64', []],
    // '!' binds tighter than ',', which binds tighter than '|'
    ['!foo, !bar, Priority (optional)', ['baz_1:0.5_arm64', 'libfoo1_1.2~rc1-1_amd64', 'python3-x_3.11.2-1_amd64']],
    ['foo | bar, $Architecture (arm64)', ['bar_2.0_all', 'foo_1.0_amd64', 'foo_2.0_arm64']],
    ['(foo | bar), $Architecture (arm64)', ['bar_2.0_all', 'foo_2.0_arm64']],
    ['!foo | baz, Section (libs)', ['bar_2.0_all', 'baz_1:0.5_arm64', 'libfoo1_1.2~rc1-1_amd64', 'python3-x_3.11.2-1_amd64', 'tool-data_1.0+dfsg-2_all']],
    ['!(foo | virt)', ['bar_2.0_all', 'baz_1:0.5_arm64', 'libfoo1_1.2~rc1-1_amd64', 'python3-x_3.11.2-1_amd64']],
    // Go regular expressions: flags and named groups
    ["Name (~ '(?i)^FOO$')", ['foo_1.0_amd64', 'foo_2.0_arm64']],
    ["Name (~ '^(?P<n>ba)[rz]$')", ['bar_2.0_all', 'baz_1:0.5_arm64']],
    ["Name (~ '^[[:alpha:]]+[[:digit:]]$')", ['libfoo1_1.2~rc1-1_amd64']],
    ['Name (~ \\Afoo\\z)', ['foo_1.0_amd64', 'foo_2.0_arm64']],
    // the Provides field is what upstream wrote, versions included
    ['Provides (~ 3.0)', ['bar_2.0_all']],
    ["Provides (~ '^virt, data-virt$')", ['tool-data_1.0+dfsg-2_all']],
  ] as Array<[string, string[]]>)('%s', (query, expected) => {
    expect(ours(query)).toEqual(expected);
  });

  test('the name hint lets callers look up candidates by name (and what Provides it) instead of scanning', () => {
    expect(compileQuery('nginx').name).toBe('nginx');
    expect(compileQuery('nginx (>= 1.18) {amd64}').name).toBe('nginx');
    expect(compileQuery('(nginx)').name).toBe('nginx');
    expect(compileQuery('nginx_1.18.0-6_amd64').name).toBe('nginx');
    expect(compileQuery('nginx | apache2').name).toBeUndefined();
    expect(compileQuery('!nginx').name).toBeUndefined();
    expect(compileQuery('Priority (required)').name).toBeUndefined();
  });
});

describe('goRegExp (Go RE2 syntax)', () => {
  test.each([
    ['(?i)^nginx$', 'NGINX', true],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?m)^b$', 'a\nb', true],
    ['^(?P<name>lib)x', 'libx', true],
    ['\\Alib', 'xlib', false],
    ['x\\z', 'x\n', false],
    ['^[[:upper:]_]+$', 'AB_C', true],
    ['^[[:xdigit:]]+$', 'cafe', true],
    ['^[[:space:]]$', 'a', false],
  ] as Array<[string, string, boolean]>)('%s on %j is %s', (re, value, expected) => {
    expect(goRegExp(re).test(value)).toBe(expected);
  });
});

describe('globToRegExp (Go filepath.Match)', () => {
  test.each([
    ['lib*', 'libc6', true],
    ['lib*', 'xlib', false],
    ['*', 'a/b', false],
    ['?', 'a', true],
    ['?', 'ab', false],
    ['lib[cx]6', 'libx6', true],
    ['lib[^cx]6', 'libx6', false],
    ['lib[a-d]6', 'libc6', true],
    ['g++*', 'g++-12', true],
    ['1.0\\*', '1.0*', true],
    ['1.0\\*', '1.0x', false],
    ['a.b', 'axb', false],
  ] as Array<[string, string, boolean]>)('%s on %s is %s', (glob, value, expected) => {
    expect(globToRegExp(glob).test(value)).toBe(expected);
  });
});

const aptlyAvailable = spawnSync('aptly', ['version']).status === 0 && spawnSync('dpkg-deb', ['--version']).status === 0;

(aptlyAvailable ? describe : describe.skip)('compileQuery agrees with real aptly', () => {
  let dir: string;
  let config: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-aptly-query-'));
    const debs = path.join(dir, 'debs');
    fs.mkdirSync(debs);
    for (const [i, stanza] of STANZAS.entries()) {
      const pkg = path.join(dir, `pkg${i}`);
      fs.mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'DEBIAN', 'control'), `${stanza}\nMaintainer: Test <test@example.org>\nDescription: test package\n`);
      execOk('dpkg-deb', ['-Zgzip', '-b', pkg, path.join(debs, `pkg${i}.deb`)]);
    }
    config = path.join(dir, 'aptly.conf');
    fs.writeFileSync(config, JSON.stringify({ rootDir: path.join(dir, 'root'), architectures: [] }));
    execOk('aptly', [`-config=${config}`, 'repo', 'create', 'r']);
    execOk('aptly', [`-config=${config}`, 'repo', 'add', 'r', debs]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function execOk(cmd: string, args: string[]): string {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  function aptly(query: string): string[] {
    const r = spawnSync('aptly', [`-config=${config}`, 'repo', 'search', 'r', query], { encoding: 'utf8' });
    if (r.status !== 0) {
      if (/no results/.test(r.stderr + r.stdout)) return [];
      throw new Error(`aptly repo search '${query}': ${r.stderr}`);
    }
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  test('GIVEN the same packages WHEN searched with each query THEN aptly and compileQuery match the same ones', () => {
    const queries = [
      'foo', 'virt', 'virtv', 'virt (>= 0)', 'virt {amd64}', 'foo (>= 1.5)', 'foo (1.0)', 'libfoo1 (<< 1.2)', 'baz (>> 0.9)',
      'foo (% 1.*)', 'foo (~ ^2)', 'foo {arm64}', 'bar {amd64}', 'bar {all}',
      '$Architecture (amd64)', '$Architecture (all)', '$Architecture (% arm*)',
      'Priority (required)', 'Section (libs)', 'Name (% py*)', 'Name (% *-*)', 'Name (~ ^lib)', 'Name (baz)',
      'Multi-Arch (foreign)', 'Depends (~ python3)', 'Provides (% virt*)', 'Section', '!Section', '$Version (>= 2)',
      '$Source (foo-src)', '$Source (barsrc)', '$Source (bar)', '$Source (baz)', '$SourceVersion (1.5)', '$SourceVersion (1:0.5)',
      'foo_1.0_amd64', 'baz_1:0.5_arm64', '!foo, !bar, Priority (optional)', 'foo | bar, $Architecture (arm64)',
      '(foo | bar), $Architecture (arm64)', '!foo | baz, Section (libs)', '!(foo | virt)',
      "Name (~ '(?i)^FOO$')", "Name (~ '^(?P<n>ba)[rz]$')", "Name (~ '^[[:alpha:]]+[[:digit:]]$')", 'Name (~ \\Afoo\\z)',
      'Provides (~ 3.0)', "Provides (~ '^virt, data-virt$')", 'Provides (virt)',
    ];
    const differences = queries.map(q => ({ q, aptly: aptly(q), ours: ours(q) })).filter(r => r.aptly.join() !== r.ours.join());
    expect(differences).toEqual([]);
  });
});

describe('checkQueryBreadth: the build counts what one query matches before it downloads', () => {
  /** An index of `n` packages: every tenth `Priority: standard`, the rest optional, all in section `misc`. */
  function index(n: number): ReturnType<typeof parseIndex> {
    const stanzas = Array.from({ length: n }, (_, i) =>
      `Package: pkg-${i}\nVersion: 1.0\nArchitecture: ${i % 2 ? 'amd64' : 'all'}\nPriority: ${i % 10 ? 'optional' : 'standard'}\nSection: misc`);
    return parseIndex(stanzas.join('\n\n') + '\n', 0, 'main');
  }

  test('the limit: 2,000 packages, 20% of a smaller index, never below 200', () => {
    expect(broadQueryLimit(63_440)).toBe(2000);
    expect(broadQueryLimit(5000)).toBe(1000);
    expect(broadQueryLimit(300)).toBe(200);
  });

  test('a query that matches more than the limit fails, naming the query and the count; allowBroadQueries accepts it', () => {
    const upstream = index(5000);
    const fail = () => checkQueryBreadth(['pkg-1', 'Priority (optional)'], NameIndex.of(upstream), 'debian/bookworm', false);
    expect(fail).toThrow(BuildError);
    expect(fail).toThrow('query "Priority (optional)" in debian/bookworm/packages.txt matches 4500 of the 5000 packages upstream (more than 1000)');
    expect(fail).toThrow(/set allowBroadQueries on the source \(--allow-broad-queries debian\/bookworm on the command line\)/);
    expect(() => checkQueryBreadth(['Priority (optional)'], NameIndex.of(upstream), 'debian/bookworm', true)).not.toThrow();
  });

  test('a query the synth-time guard lets through (allowlisted field test) is still counted', () => {
    // `Priority (standard)` is small in Debian: allowed at synth; this index has nothing but standard packages.
    expect(PackageQuery.parse('Priority (standard)').broad).toBeUndefined();
    const many = index(1500).map(e => ({ ...e, stanza: e.stanza.replace('Priority: optional', 'Priority: standard') }));
    expect(() => checkQueryBreadth(['Priority (standard)'], NameIndex.of(many), 'x/y', false)).toThrow(/matches 1500 of the 1500 packages upstream \(more than 300\)/);
  });

  test('names, selections and small indexes pass', () => {
    const upstream = index(5000);
    expect(() => checkQueryBreadth(['pkg-1', 'pkg-2 (>= 1.0)', 'Priority (standard), Name (% pkg-1*)', 'Section (misc), pkg-3'], NameIndex.of(upstream), 'x/y', false)).not.toThrow();
    expect(() => checkQueryBreadth(['Priority (optional)'], NameIndex.of(index(150)), 'x/y', false)).not.toThrow();
  });

  const REAL = '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4';
  (fs.existsSync(REAL) ? test : test.skip)('on the real bookworm main index: Priority (optional) fails, Priority (required) and names pass', () => {
    const text = spawnSync('/usr/lib/apt/apt-helper', ['cat-file', REAL], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 }).stdout;
    const upstream = parseIndex(text, 0, 'main');
    expect(upstream.length).toBeGreaterThan(50_000);
    expect(() => checkQueryBreadth(['Priority (optional)'], NameIndex.of(upstream), 'debian/bookworm', false)).toThrow(/matches \d{5} of the \d{5} packages upstream \(more than 2000\)/);
    expect(() => checkQueryBreadth(['Priority (required)', 'Essential (yes)', 'nginx', 'libc6 (>= 2.36)', 'Name (% python3-yaml*)'], NameIndex.of(upstream), 'debian/bookworm', false)).not.toThrow();
  });
});
