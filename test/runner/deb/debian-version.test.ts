import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareVersions, satisfiesVersion } from '../../../src/runner/deb/debian-version';

const sign = (n: number) => (n < 0 ? '<' : n > 0 ? '>' : '=');

/** Pairs from deb-version(7) and Debian policy §5.6.12, with the expected order. */
const TABLE: Array<[string, '<' | '=' | '>', string]> = [
  // '~' sorts before everything, even the end of the part
  ['1.0~rc1', '<', '1.0'],
  ['1.0~~', '<', '1.0~'],
  ['1.0~~', '<', '1.0~~a'],
  ['1.0~~a', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0', '<', '1.0a'],
  ['1.0a', '<', '1.0+'],
  // letters sort before non-letters
  ['1.0a', '<', '1.0.'],
  ['1.0+', '<', '1.0.'],
  ['1.0Z', '<', '1.0a'],
  // numbers compare numerically, leading zeros do not count
  ['1.2', '<', '1.10'],
  ['1.002', '=', '1.2'],
  ['01.0', '=', '1.0'],
  ['1.0', '<', '1.0.0'],
  // epochs win over everything; a missing epoch is 0
  ['0:1.0', '=', '1.0'],
  ['1:0.1', '>', '9.9'],
  ['2:1.0', '>', '1:9.0'],
  ['00:1.0', '=', '1.0'],
  // revisions: the last '-' splits; no revision equals revision 0
  ['1.0-1', '<', '1.0-2'],
  ['1.0-10', '>', '1.0-9'],
  ['1.0', '=', '1.0-0'],
  ['1.0-1-1', '>', '1.0-1'],
  ['1.0-1', '<', '1.0-1+deb12u1'],
  ['1.0-1~bpo12+1', '<', '1.0-1'],
  ['2.36-9+deb12u4', '>', '2.36-9+deb12u3'],
  // an upstream version may contain ':' only with an epoch and '-' only with a revision
  ['1:2:3-1', '>', '1:2:2-1'],
  ['1:9.2p1-2+deb12u3', '>', '1:9.2p1-2'],
  ['1:9.2p1-2', '>', '1:9.2-2'],
  // Ubuntu-style
  ['2.35-0ubuntu3.1', '>', '2.35-0ubuntu3'],
  ['1.2.3-0ubuntu0.22.04.1', '<', '1.2.3-0ubuntu1'],
];

describe('compareVersions', () => {
  test.each(TABLE)('deb-version(7): %s %s %s', (a, expected, b) => {
    expect(sign(compareVersions(a, b))).toBe(expected);
    expect(sign(compareVersions(b, a))).toBe(expected === '<' ? '>' : expected === '>' ? '<' : '=');
  });

  test('GIVEN a few hundred generated version pairs WHEN compared THEN the order agrees with dpkg --compare-versions', () => {
    const versions = generateVersions();
    const pairs: Array<[string, string]> = TABLE.map(([a, , b]) => [a, b]);
    // every version against its neighbours and a deterministic spread of others
    for (let i = 0; i < versions.length; i++) {
      pairs.push([versions[i], versions[(i + 1) % versions.length]]);
      pairs.push([versions[i], versions[(i * 7 + 3) % versions.length]]);
      pairs.push([versions[i], versions[i]]);
    }
    const expected = dpkgCompare(pairs);
    const ours = pairs.map(([a, b]) => sign(compareVersions(a, b)));
    const disagreements = pairs.map(([a, b], i) => `${a} ${ours[i]} ${b} (dpkg: ${expected[i]})`).filter((_, i) => ours[i] !== expected[i]);
    expect(pairs.length).toBeGreaterThan(300);
    expect(disagreements).toEqual([]);
  });

  test('sorting versions agrees with dpkg (transitive, total order)', () => {
    const versions = ['1.0~rc1-1', '1.0-1', '1:0.9', '1.0-1+b1', '1.0+dfsg-1', '1.0a-1', '1.0.1-1', '1.00-2', '0.9-1', '1.0~~-1'];
    const sorted = [...versions].sort(compareVersions);
    const pairs: Array<[string, string]> = sorted.slice(1).map((v, i) => [sorted[i], v]);
    expect(dpkgCompare(pairs).every(s => s !== '>')).toBe(true);
    expect(sorted).toEqual(['0.9-1', '1.0~~-1', '1.0~rc1-1', '1.0-1', '1.0-1+b1', '1.00-2', '1.0a-1', '1.0+dfsg-1', '1.0.1-1', '1:0.9']);
  });
});

describe('satisfiesVersion', () => {
  test.each([
    ['2.36-9', '>=', '2.36', true],
    ['2.35', '>=', '2.36', false],
    ['2.36', '>>', '2.36', false],
    ['2.36.1', '>>', '2.36', true],
    ['2.36~rc1', '<<', '2.36', true],
    ['2.36', '<=', '2.36-0', true],
    ['1:1.0', '=', '1:1.0', true],
    ['1.0', '=', '1:1.0', false],
    // obsolete '<' and '>' mean '<=' and '>=' (deb-control(5))
    ['1.0', '<', '1.0', true],
    ['1.0', '>', '1.0', true],
    ['1.1', '<', '1.0', false],
    ['1.0', '!=', '1.0', false],
  ] as Array<[string, string, string, boolean]>)('%s %s %s is %s', (version, op, ref, expected) => {
    expect(satisfiesVersion(version, op, ref)).toBe(expected);
  });
});

/** Valid Debian versions of many shapes (epochs, tildes, revisions, letters, '+', '.', leading zeros). */
function generateVersions(): string[] {
  const epochs = ['', '0:', '1:', '2:', '10:'];
  const upstreams = ['1', '1.0', '1.00', '01.0', '1.0.0', '1.0~rc1', '1.0~~', '1.0~', '1.0a', '1.0A', '1.0+dfsg', '1.0.a', '1.2.10', '1.2.9',
    '9.2p1', '2024a', '0.0', '1.0+git20240101.abc', '1a', '1+', '1~beta', '3.11.2', '1.0-rc1', '1:2'];
  const revisions = ['', '-0', '-1', '-1.1', '-1+deb12u1', '-1~bpo12+1', '-0ubuntu1', '-10', '-2a', '-01'];
  const versions: string[] = [];
  let k = 0;
  for (const u of upstreams) {
    for (const r of revisions) {
      // an upstream with '-' needs a revision, with ':' an epoch
      if (u.includes('-') && !r) continue;
      const e = u.includes(':') ? '1:' : epochs[k++ % epochs.length];
      if (k % 3 === 0 || r === '' || r === '-1') versions.push(`${e}${u}${r}`);
    }
  }
  return [...new Set(versions)];
}

/** dpkg's verdict on each pair, from one shell process. */
function dpkgCompare(pairs: Array<[string, string]>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-dpkg-'));
  try {
    const input = path.join(dir, 'pairs');
    fs.writeFileSync(input, pairs.map(([a, b]) => `${a} ${b}\n`).join(''));
    const script = 'while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo "<"; '
      + 'elif dpkg --compare-versions "$a" eq "$b"; then echo "="; else echo ">"; fi; done < "$1"';
    const out = execFileSync('sh', ['-c', script, 'sh', input], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(pairs.length);
    return lines;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
