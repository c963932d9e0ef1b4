import { parseRelease } from '../../../src/runner/deb/release-info';
import { checkRelease, distributionMatches } from '../../../src/runner/upstream/release-checks';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const SHA256 = 'SHA256:\n 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 1234 main/binary-amd64/Packages.gz\n';
const MD5 = 'MD5Sum:\n 0123456789abcdef0123456789abcdef 1234 main/binary-amd64/Packages.gz\n';
const SHA1 = 'SHA1:\n 0123456789abcdef0123456789abcdef01234567 1234 main/binary-amd64/Packages.gz\n';

function release(fields: Record<string, string>, sums = MD5 + SHA256) {
  const head = Object.entries({ Suite: 'stable', Codename: 'bookworm', Date: 'Sat, 05 Dec 2026 09:00:00 UTC', ...fields })
    .filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`).join('\n');
  return parseRelease(`${head}\nComponents: main\n${sums}`, 'dists/bookworm/');
}
const check = (r: ReturnType<typeof release>, distribution = 'bookworm', allowDistributionMismatch = false) =>
  checkRelease(r, { url: 'U', distribution, nowMs: NOW, allowDistributionMismatch });

test('a current Release of the distribution asked for has no problem', () => {
  expect(check(release({ 'Valid-Until': 'Sat, 12 Dec 2026 09:00:00 UTC' }))).toEqual({ errors: [], warnings: [] });
});

test('Valid-Until passed (apt: "is expired"); an unreadable one is refused too', () => {
  expect(check(release({ 'Valid-Until': 'Sun, 06 Dec 2026 11:59:59 UTC' })).errors)
    .toEqual(['U expired on Sun, 06 Dec 2026 11:59:59 UTC (Valid-Until): a stale or replayed Release, which apt refuses too; wait for the upstream (or the mirror in between) to publish a fresh one']);
  expect(check(release({ 'Valid-Until': 'tomorrow' })).errors).toEqual(['U has an invalid Valid-Until "tomorrow": apt refuses it too']);
});

test('a Date more than apt\'s 10 s ahead of the clock is "not valid yet"; 10 s of skew is not', () => {
  expect(check(release({ Date: 'Sun, 06 Dec 2026 12:00:10 UTC' })).errors).toEqual([]);
  expect(check(release({ Date: 'Sun, 06 Dec 2026 12:00:11 +0000' })).errors)
    .toEqual([expect.stringMatching(/^U is not valid yet: its Date Sun, 06 Dec 2026 12:00:11 \+0000 is in the future \(the build's clock says Sun, 06 Dec 2026 12:00:00 GMT\)/)]);
});

test('MD5Sum and SHA1 only: weak security information', () => {
  expect(check(release({}, MD5 + SHA1)).errors)
    .toEqual(['U lists no SHA256 hashes (only MD5Sum and SHA1): apt refuses it as weak security information; the upstream must publish SHA256 sums']);
  expect(check(release({}, '')).errors).toEqual(['U lists no SHA256 hashes: apt refuses it as weak security information; the upstream must publish SHA256 sums']);
});

test('oldstable\'s Release at dists/stable: refused, or a warning with allowDistributionMismatch', () => {
  const old = release({ Suite: 'oldstable', Codename: 'bullseye' });
  expect(check(old, 'stable').errors).toEqual([
    'U is a Release of another distribution (Suite oldstable, Codename bullseye; expected stable), e.g. an old release served in its place: apt warns "Conflicting distribution"; set allowDistributionMismatch if this repository really does this',
  ]);
  expect(check(old, 'stable', true)).toEqual({
    errors: [],
    warnings: ['U is a Release of another distribution (Suite oldstable, Codename bullseye; expected stable): mirrored anyway (allowDistributionMismatch)'],
  });
});

describe('distributionMatches: apt\'s metaIndex::CheckDist', () => {
  test.each([
    ['bookworm', 'stable', 'bookworm', true],
    ['stable', 'stable', 'bookworm', true],
    ['bookworm-security', 'stable-security', 'bookworm-security', true],
    ['bookworm-security', 'oldstable-security', 'bookworm-security', true],
    ['stable', 'oldstable', 'bullseye', false],
    ['bookworm', 'stable', 'trixie', false],
    ['./', undefined, undefined, true],
    ['./', 'anything', 'else', true],
    ['stable/', 'stable', undefined, true],
    ['Debian_12/', undefined, undefined, false],
    ['Debian_12/', 'Debian_12', undefined, true],
    ['bookworm/updates', 'stable', 'bookworm', true],
    ['../project/experimental', 'experimental', 'rc-buggy', true],
  ])('%s vs Suite %s, Codename %s: %s', (distribution, suite, codename, ok) => {
    expect(distributionMatches(distribution, suite, codename)).toBe(ok);
  });
});
