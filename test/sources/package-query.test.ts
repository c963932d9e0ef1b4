import { PackageQuery } from '../../src/sources/package-query';
import { canonicalPackageName, CANONICAL_QUERY } from '../../src/sources/query/canonical';

/** [query, normalized text, packageName] */
const VALID: Array<[string, string, string | undefined]> = [
  // package names
  ['nginx', 'nginx', 'nginx'],
  ['g++-12', 'g++-12', 'g++-12'],
  ['python3.11', 'python3.11', 'python3.11'],
  ['linux-image-6.1.0-13-amd64', 'linux-image-6.1.0-13-amd64', 'linux-image-6.1.0-13-amd64'],
  ['0ad', '0ad', '0ad'],
  ['389-ds-base (>= 1.4)', '389-ds-base (>= 1.4)', '389-ds-base'],
  ['  nginx\t', 'nginx', 'nginx'],
  // version conditions
  ['libstdc++6 (>= 12)', 'libstdc++6 (>= 12)', 'libstdc++6'],
  ['libc6 (>= 2.17-0ubuntu5~)', 'libc6 (>= 2.17-0ubuntu5~)', 'libc6'],
  ['package3 (>=3.6)', 'package3 (>= 3.6)', 'package3'],
  ['nginx (= 1.18.0-6)', 'nginx (= 1.18.0-6)', 'nginx'],
  ['nginx (1.18.0-6)', 'nginx (1.18.0-6)', 'nginx'],
  ['nginx (<< 1.19)', 'nginx (<< 1.19)', 'nginx'],
  ['nginx (>> 1.18)', 'nginx (>> 1.18)', 'nginx'],
  ['nginx (<= 1.18.0-6+deb11u1)', 'nginx (<= 1.18.0-6+deb11u1)', 'nginx'],
  ['tzdata (>= 1:2024a-0)', 'tzdata (>= 1:2024a-0)', 'tzdata'],
  ['openssh-server (>= 1:9.2p1-2+deb12u3)', 'openssh-server (>= 1:9.2p1-2+deb12u3)', 'openssh-server'],
  ['nginx (% 1.18*)', 'nginx (% 1.18*)', 'nginx'],
  ['nginx (~ ^1\\.18)', 'nginx (~ ^1\\.18)', 'nginx'],
  ['nginx (>= "1.18")', 'nginx (>= 1.18)', 'nginx'],
  // aptly rejects a '(' right after the name: normalized with a space
  ['foo(>=1.0)', 'foo (>= 1.0)', 'foo'],
  ['$Version(>=1.0)', '$Version (>= 1.0)', undefined],
  // architecture filters
  ['nginx {amd64}', 'nginx {amd64}', 'nginx'],
  ['nginx{amd64}', 'nginx {amd64}', 'nginx'],
  ['python3 (>= 3.11) {arm64}', 'python3 (>= 3.11) {arm64}', 'python3'],
  ['python3(>=3.11){arm64}', 'python3 (>= 3.11) {arm64}', 'python3'],
  ['libc6 (>= 2.17-0ubuntu5~) {i386}', 'libc6 (>= 2.17-0ubuntu5~) {i386}', 'libc6'],
  ['base-files {all}', 'base-files {all}', 'base-files'],
  ['hello {source}', 'hello {source}', 'hello'],
  ['gnumach {hurd-i386}', 'gnumach {hurd-i386}', 'gnumach'],
  ['linux-image-loong64 {loong64}', 'linux-image-loong64 {loong64}', 'linux-image-loong64'],
  // package references
  ['nginx_1.18.0-6_amd64', 'nginx_1.18.0-6_amd64', 'nginx'],
  ['tzdata_1:2024a-0+deb12u1_all', 'tzdata_1:2024a-0+deb12u1_all', 'tzdata'],
  // fields
  ['Priority (required)', 'Priority (required)', undefined],
  ['Priority (=required)', 'Priority (= required)', undefined],
  ['Essential', 'Essential', undefined],
  ['Homepage', 'Homepage', undefined],
  ['Multi-Arch (same)', 'Multi-Arch (same)', undefined],
  ['Name (% lib*)', 'Name (% lib*)', undefined],
  ['Name (nginx)', 'Name (nginx)', undefined],
  ['Section (~ ^net)', 'Section (~ ^net)', undefined],
  ['Maintainer (~ .*debian.*)', 'Maintainer (~ .*debian.*)', undefined],
  ['Source (% gcc-*)', 'Source (% gcc-*)', undefined],
  ['Tag (~ role::program)', 'Tag (~ role::program)', undefined],
  ['Version (= 1.0)', 'Version (= 1.0)', undefined],
  ['Name (~ "^(nginx|apache2)$")', "Name (~ '^(nginx|apache2)$')", undefined],
  ["Maintainer (~ 'Debian Nginx')", "Maintainer (~ 'Debian Nginx')", undefined],
  ["Name (~ '(?i)^NGINX$')", "Name (~ '(?i)^NGINX$')", undefined],
  ['Description (~ \\(beta\\))', "Description (~ '\\\\(beta\\\\)')", undefined],
  ["Maintainer (~ O'Brien)", "Maintainer (~ O'Brien)", undefined],
  // special fields
  ['$Architecture (amd64)', '$Architecture (amd64)', undefined],
  ['$Source (nginx)', '$Source (nginx)', undefined],
  ['$Version (>= 1.0)', '$Version (>= 1.0)', undefined],
  ['$SourceVersion (= 12.2.0-14)', '$SourceVersion (= 12.2.0-14)', undefined],
  ['$PackageType (udeb)', '$PackageType (udeb)', undefined],
  ['$Architecture (% arm*)', '$Architecture (% arm*)', undefined],
  // combinations
  ['nginx | apache2', 'nginx | apache2', undefined],
  ['nginx|apache2', 'nginx | apache2', undefined],
  ['nginx,libc6', 'nginx, libc6', undefined],
  ['nginx | apache2 | lighttpd', 'nginx | apache2 | lighttpd', undefined],
  ['!$Architecture (i386)', '!$Architecture (i386)', undefined],
  ['!nginx', '!nginx', undefined],
  ['! nginx', '!nginx', undefined],
  ['!!nginx', '!!nginx', undefined],
  ['!(nginx | apache2)', '!(nginx | apache2)', undefined],
  ['(nginx)', '(nginx)', 'nginx'],
  ['((nginx (>= 1.18)))', '((nginx (>= 1.18)))', 'nginx'],
  ['(nginx | apache2), !$Architecture (i386)', '(nginx | apache2), !$Architecture (i386)', undefined],
  ['Priority (required) | Priority (important)', 'Priority (required) | Priority (important)', undefined],
  ['Priority (required), $Architecture (amd64)', 'Priority (required), $Architecture (amd64)', undefined],
  ['nginx (>= 1.18) | apache2 (>= 2.4), !$PackageType (source)', 'nginx (>= 1.18) | apache2 (>= 2.4), !$PackageType (source)', undefined],
  ['nginx\t|\tapache2 ,libc6', 'nginx | apache2, libc6', undefined],
  ['$Architecture (arm64)|$Architecture (all)', '$Architecture (arm64) | $Architecture (all)', undefined],
];

/** [query, column, message fragment] */
const INVALID: Array<[string, number, string]> = [
  // empty and multi-line
  ['', 1, 'empty query'],
  ['   ', 1, 'empty query'],
  ['nginx\napache2', 6, 'a query is a single line'],
  ['nginx |\r\napache2', 8, 'a query is a single line'],
  // common mistakes aptly would accept, matching nothing
  ['@packages.txt', 1, 'aptly does not read filter files; list one query per line'],
  ['libc6:amd64', 6, "use 'libc6 {amd64}'"],
  ['lib*', 4, "use 'Name (% lib*)'"],
  ['python3-?', 9, "use 'Name (% python3-?)'"],
  ['foo[ab]', 4, "use 'Name (% foo[ab])'"],
  ['"nginx"', 1, 'remove the quotes'],
  ["'nginx'", 1, 'remove the quotes'],
  ['Nginx', 1, "package names are lower-case: use 'nginx'"],
  ['Nginx (>= 1)', 1, 'package names are lower-case'],
  ['libQt5Core5a', 4, "package names are lower-case: use 'libqt5core5a'"],
  ['nginx=1.18', 6, "use 'nginx (= 1.18)'"],
  ['nginx_1.18.0-6', 6, "package references are 'name_version_arch'"],
  ['nginx (> 1.0)', 8, "'>' means '>=' in aptly"],
  ['nginx (< 1.0)', 8, "'<<' (strictly less)"],
  ['nginx {any}', 8, "only matches 'all' packages"],
  ['nginx {linux-any}', 8, 'does not expand architecture wildcards'],
  ['nginx {x86_64}', 8, "unknown architecture 'x86_64': use 'amd64'"],
  ['nginx {AMD64}', 8, "use 'amd64'"],
  ['$Architecture (aarch64)', 16, "use 'arm64'"],
  ['Package (nginx)', 1, "use 'Name' instead"],
  ['Size (>= 1000)', 1, "cannot query the 'Size' field"],
  ['PRIORITY (required)', 1, "field names are case-sensitive: use 'Priority'"],
  ['Priority (Required)', 11, "'Priority' is one of required"],
  ['Version (>= 1.0)', 1, "use '$Version (>= 1.0)'"],
  ['$architecture (amd64)', 1, "use '$Architecture'"],
  ['$Foo (x)', 1, "unknown special field '$Foo'"],
  ['$PackageType (rpm)', 15, "'$PackageType' is one of deb, udeb, source"],
  ['Name (Nginx)', 7, 'package names are lower-case'],
  ['Name (% lib[)', 12, "unclosed '['"],
  ["Name (~ 'a(?=b)')", 11, 'does not support lookahead'],
  ["Name (~ '^(a)\\\\1$')", 14, 'does not support backreferences'],
  ['Name (~ \\y)', 9, "invalid escape '\\y'"],
  ["Name (~ 'a++')", 10, 'invalid regular expression'],
  // syntax errors
  ['(nginx', 1, "unclosed '('"],
  ['nginx)', 6, "unmatched ')'"],
  ['(nginx | apache2', 1, "unclosed '('"],
  ['()', 1, 'empty parentheses'],
  ['nginx |', 7, "nothing after '|'"],
  ['nginx ,', 7, "nothing after ','"],
  ['!', 1, "nothing after '!'"],
  ['nginx, !', 8, "nothing after '!'"],
  ['| nginx', 1, "nothing before '|'"],
  ['nginx | | apache2', 9, "nothing between '|' and '|'"],
  ['(nginx |)', 9, "nothing between '|' and ')'"],
  ['nginx apache2', 7, "missing ',' or '|' before 'apache2'"],
  ['nginx >= 1.0', 7, "put the version condition in parentheses: 'nginx (>= 1.0)'"],
  ['foo ()', 6, "missing value between '(' and ')'"],
  ['foo (>= )', 9, "missing value after '>='"],
  ['foo (=> 1)', 6, "'=>' is not an operator: use '>='"],
  ['foo (== 1)', 6, "use '='"],
  ['foo (!= 1)', 6, "aptly has no '!='"],
  ['foo (>= 1.0', 5, "unclosed '('"],
  ['foo (>= 1.0_1)', 12, "invalid character '_' in version"],
  ['foo (>= v1.0)', 9, 'versions start with a digit'],
  ['foo (>= a:1.0)', 9, 'epoch'],
  ['foo (>= 1.0-)', 12, "cannot end with '-'"],
  ['foo (>= 1.0) (<< 2.0)', 14, 'only one condition per query'],
  ['Maintainer (John Doe)', 18, 'quote values that contain spaces'],
  ['foo {}', 6, "missing architecture between '{' and '}'"],
  ['foo {amd64', 5, "unclosed '{'"],
  ['foo {amd64 arm64}', 12, 'one architecture per filter'],
  ['foo {amd64} {arm64}', 13, 'only one architecture filter'],
  ['foo {amd64} (>= 1)', 13, 'put the version condition before the architecture'],
  ['Priority (required) {amd64}', 21, 'architecture filters only apply to package names'],
  ['nginx_1.18.0-6_amd64 (>= 1)', 22, 'a package reference cannot have a condition'],
  ['nginx_1.18.0-6_amd64 {amd64}', 22, 'already names its architecture'],
  ['{amd64}', 1, 'architecture filter without a package'],
  ['n', 1, 'at least 2 characters'],
  ['-foo', 1, 'start with a letter or digit'],
  ["nginx 'x", 7, 'unterminated quote'],
  ['Name (\'\')', 7, 'empty value'],
  ['Nonsense-Field', 1, "package names are lower-case: use 'nonsense-field'"],
  ['Foo/Bar (x)', 1, "unknown field 'Foo/Bar'"],
];

describe('PackageQuery', () => {
  test.each(VALID)('accepts %j', (input, normalized, packageName) => {
    expect(PackageQuery.check(input)).toBeUndefined();
    const query = PackageQuery.parse(input);
    expect(query.query).toBe(normalized);
    expect(query.packageName).toBe(packageName);
    expect(query.toString()).toBe(normalized);
  });

  test.each(VALID)('normalized %j parses to itself', (_input, normalized, packageName) => {
    const query = PackageQuery.parse(normalized);
    expect(query.query).toBe(normalized);
    expect(query.packageName).toBe(packageName);
  });

  test.each(INVALID)('rejects %j', (input, column, fragment) => {
    const problem = PackageQuery.check(input);
    expect(problem).toBeDefined();
    expect(problem!.message).toContain(fragment);
    expect(problem!.column).toBe(column);
    expect(() => PackageQuery.parse(input)).toThrow(`invalid package query ${JSON.stringify(input)}: column ${column}: ${problem!.message}`);
  });

  test('has enough cases', () => {
    expect(VALID.length).toBeGreaterThanOrEqual(45);
    expect(INVALID.length).toBeGreaterThanOrEqual(30);
  });

  test('columns count from the start of the untrimmed text', () => {
    expect(PackageQuery.check('   nginx (> 1)')?.column).toBe(11);
  });

  test('messages start lower-case and have no trailing period', () => {
    for (const [input] of INVALID) {
      const message = PackageQuery.check(input)!.message;
      expect(message[0]).toBe(message[0].toLowerCase());
      expect(message).not.toMatch(/\.$/);
    }
  });
});

describe('fast path', () => {
  // A leading space skips the fast path, so both paths must agree on every form it covers.
  test.each([
    'nginx', 'g++-12', 'libstdc++6 (>= 12)', 'package3 (>=3.6)', 'libc6 (>= 2.17-0ubuntu5~)', 'docker-ce (= 5:24.0.7-1~ubuntu.22.04~jammy)',
    'nginx {amd64}', 'python3 (>= 3.11) {arm64}', 'tool (<< 2) {all}', 'x', 'Nginx', 'nginx {any}', 'nginx {x86_64}', 'nginx (>= 1-)',
    'nginx (>= a1)', 'nginx (> 1)', 'a:b (= 1)', 'lib* (= 1)', 'nginx (>= 1:)', 'nginx (= 1)', 'nginx (>= 1.2:3)', 'nginx (>= 1:2:3)',
    'nginx (= 1:)', 'nginx (= 1~)',
  ])('%s', query => {
    const fast = PackageQuery.check(query) ?? PackageQuery.parse(query);
    const slow = PackageQuery.check(` ${query}`) ?? PackageQuery.parse(` ${query}`);
    if ('column' in fast) {
      expect('column' in slow && slow.column - 1).toBe(fast.column);
      expect((slow as { message: string }).message).toBe(fast.message);
    } else {
      expect(slow).toEqual(fast);
    }
  });
});

describe('canonical queries agree with the parser', () => {
  // CANONICAL_QUERY lets checkSourceFields skip analysis: whatever it accepts must be valid and
  // already normalized, with the package name canonicalPackageName gives.
  const names = ['nginx', 'g++-12', 'a.b', 'x', 'Nginx', 'a_b', 'lib*', '-ab', 'a:b', 'ab='];
  const conditions = ['', ' (>= 1.0)', ' (>=1.0)', ' (= 5:24.0.7-1~ubuntu.22.04~jammy)', ' (<< 1:)', ' (> 1)', ' (== 1)', ' (>= a1)',
    ' (>= 1-)', ' (>= 1.2:3)', ' (= 1:2:3)', ' (>= 1~)', ' (% 1*)', ' (1.0)', ' ( >= 1)'];
  const arches = ['', ' {amd64}', ' {all}', ' {source}', ' {hurd-i386}', ' {musl-linux-arm64}', ' {any}', ' {linux-any}', ' {x86_64}', ' {AMD64}', ' {arm}', ' {armx}'];
  const terms = names.flatMap(n => conditions.flatMap(c => arches.map(a => `${n}${c}${a}`)));
  const pairs = ['nginx', 'libc6 (>= 2.36) {arm64}', 'Nginx', 'a (> 1)'].flatMap(t => [' | ', ', ', '|', ' ,', ' |  '].map(sep => `${t}${sep}tool {amd64}`));

  test.each([...terms, ...pairs].map(q => [q]))('%s', query => {
    const slow = PackageQuery.check(` ${query}`) ?? PackageQuery.parse(` ${query}`);
    if (CANONICAL_QUERY.test(query)) {
      expect(slow).toEqual(PackageQuery.parse(query));
      expect((slow as PackageQuery).query).toBe(query);
      expect((slow as PackageQuery).packageName).toBe(canonicalPackageName(query));
    }
    // Either way the fast paths in analyse() give what the parser gives.
    const fast = PackageQuery.check(query) ?? PackageQuery.parse(query);
    if ('column' in fast) expect([(slow as any).column - 1, (slow as any).message]).toEqual([fast.column, fast.message]);
    else expect(slow).toEqual(fast);
  });

  test('the common forms are canonical, so the cases above exercise the fast path', () => {
    const common = ['nginx', 'libc6 (>= 2.36)', 'tool {arm64}', 'python3 (>= 3.11~) | python3-alt', 'ab, bc (<< 2) {all}', 'x-y {hurd-i386}'];
    expect(common.filter(q => !CANONICAL_QUERY.test(q))).toEqual([]);
    expect(terms.filter(q => CANONICAL_QUERY.test(q)).length).toBeGreaterThan(100);
  });
});

describe('broad queries (alone they match nearly the whole archive)', () => {
  test.each([
    ['!python3', 'is a negation, which alone matches every other package'],
    ['!(python3 | perl)', 'is a negation'],
    ['!python3, !perl', 'is a negation'],
    ['(!python3)', 'is a negation'],
    ['nginx | !python3', 'is a negation'],
    ['Name (% *)', "matches every value of 'Name' (the pattern '*' matches anything)"],
    ['Name (% ?*)', "matches every value of 'Name'"],
    ['$Architecture (% *)', "matches every value of '$Architecture'"],
    ['Section (~ .*)', "matches every value of 'Section' (the regular expression '.*' matches anything)"],
    ['Name (~ .+)', "matches every value of 'Name'"],
    ['Name (~ ^)', "matches every value of 'Name'"],
    ['Name', "tests whether packages have 'Name', which every package has"],
    ['$Version', "tests whether packages have '$Version'"],
    // by effect: no condition on the package name, or a name pattern without a literal part
    ['Priority (optional)', "has no condition on the package name: a test of 'Priority' matches thousands of packages"],
    ['$Architecture (all)', "has no condition on the package name: a test of '$Architecture'"],
    ['$Architecture (amd64)', "a test of '$Architecture'"],
    ['Section (~ ^net)', "a test of 'Section'"],
    ['Priority (extra)', "a test of 'Priority'"],
    ['Priority', "tests whether packages have 'Priority', which nearly every package has"],
    ['Name (~ [a-z0-9])', "matches almost every value of 'Name' (the regular expression '[a-z0-9]' has no literal part of 3 or more characters"],
    ['Name (~ [a-z])', "matches almost every value of 'Name'"],
    ['Name (~ .)', "matches every value of 'Name'"],
    ['Name (~ py)', "matches almost every value of 'Name'"],
    ["Name (~ 'nginx|.')", "matches every value of 'Name'"],
    ["Name (~ 'nginx|[a-z]')", "matches almost every value of 'Name'"],
    ['Name (~ [a-z]?[0-9]+)', "matches almost every value of 'Name'"],
    ['Name (% ?*)', "matches every value of 'Name'"],
    ['Name (% l*)', "the pattern 'l*' has no literal part"],
    ['Name (>= aa)', "the comparison '>= aa'"],
    ['$Source (% *-*)', "matches almost every value of '$Source'"],
    ['nginx | Priority (optional)', "a test of 'Priority'"],
    ['Priority (optional), $Architecture (amd64)', "a test of 'Priority'"],
    ['Priority (optional), !python3', "a test of 'Priority'"],
    ['!!Priority (optional)', "a test of 'Priority'"],
  ])('%s is broad', (query, reason) => {
    expect(PackageQuery.parse(query).broad?.message).toContain(reason);
  });

  test.each([
    'nginx', 'nginx (% 1.*)', 'Priority (required), !python3', '!!python3', '!Name (% *)', 'Name (% lib*)',
    'nginx, !nginx (= 1.0)', 'Priority (required)', 'Priority (important)', 'Priority (standard)', 'Essential (yes)',
    'Build-Essential (yes)', 'Protected (yes)', 'Priority (required) | Essential (yes) | nginx', 'Name (nginx)', 'Name (= nginx)',
    '$Source (openssl)', 'Provides (mail-transport-agent)', 'Name (~ ^python3-)', "Name (~ 'nginx|apache2')", 'Name (~ ^lib\\.so)',
    'Name (% nginx-*)', 'Priority (optional), Name (% python3-*)', '$Architecture (all), nginx', 'Section (net), !(Name (~ xx)), curl',
  ])('%s is not broad', (query) => {
    expect(PackageQuery.parse(query).broad).toBeUndefined();
  });

  test('the column points at the pattern, or at the start of the query', () => {
    expect(PackageQuery.parse('  !python3').broad?.column).toBe(3);
    expect(PackageQuery.parse('Name (% *)').broad?.column).toBe(9);
  });
});
