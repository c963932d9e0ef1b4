import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { compareVersions } from '../../src/runner/deb/debian-version';
import { IndexEntry, parseIndex } from '../../src/runner/deb/packages-index';
import { parseRelations, satisfies } from '../../src/runner/deb/relations';
import { closeOver, leftOutRelations } from '../../src/runner/world-closure';

/** Packages stanzas of one source, indentation removed. */
function index(source: number, text: string): IndexEntry[] {
  return parseIndex(text.replace(/^ +/gm, ''), source, 'main');
}

function find(entries: readonly IndexEntry[], key: string): IndexEntry {
  const e = entries.find(x => x.key === key);
  if (!e) throw new Error(`no ${key}`);
  return e;
}

const keys = (entries: readonly IndexEntry[]) => entries.map(e => e.key).sort();
const always = () => true;

// bookworm (source 0) and bookworm-updates (source 1), like a node set: node-tool from updates
// recommends packages of both pockets, and one that exists nowhere.
const BOOKWORM = index(0, `
  Package: node-tool
  Version: 1.0
  Architecture: amd64
  Depends: libbase
  Recommends: block-extra, thin-tools | lvm-tools, ghost-rec
  Suggests: doc-viewer

  Package: libbase
  Version: 1.0
  Architecture: amd64
  Recommends: base-data

  Package: base-data
  Version: 1.0
  Architecture: all

  Package: block-extra
  Version: 1.0
  Architecture: amd64
  Depends: libblock

  Package: libblock
  Version: 1.0
  Architecture: amd64

  Package: lvm-tools
  Version: 1.0
  Architecture: amd64

  Package: fuse-helper
  Version: 1.0
  Architecture: amd64
  Depends: ghost-lib

  Package: other-tool
  Version: 1.0
  Architecture: amd64
  Recommends: fuse-helper
`);
const UPDATES = index(1, `
  Package: thin-tools
  Version: 1.1
  Architecture: amd64
`);
const UNIVERSE = [...BOOKWORM, ...UPDATES];
const NODE = find(BOOKWORM, 'node-tool 1.0 amd64');

describe('closeOver with Recommends', () => {
  test('GIVEN Recommends across pockets WHEN followed THEN each is taken from whichever upstream has it, with its own dependencies', () => {
    const c = closeOver({ have: [NODE], requested: [NODE], universe: UNIVERSE, arch: 'amd64', followRecommends: always });
    // thin-tools (updates) is the first alternative anyone has; libbase's own Recommends count too (apt installs them).
    expect(keys(c.additions)).toEqual(['base-data 1.0 all', 'block-extra 1.0 amd64', 'libbase 1.0 amd64', 'libblock 1.0 amd64', 'thin-tools 1.1 amd64']);
    expect(c.additions.find(e => e.name === 'thin-tools')!.source).toBe(1);
    // ghost-rec exists nowhere: apt skips a missing Recommends, so it is no missing dependency.
    expect(c.missing).toEqual([]);
    expect(c.skipped).toEqual([]);
  });

  test('GIVEN the same packages WHEN Recommends are not followed THEN only dependencies are added', () => {
    const c = closeOver({ have: [NODE], requested: [NODE], universe: UNIVERSE, arch: 'amd64' });
    expect(keys(c.additions)).toEqual(['libbase 1.0 amd64']);
    const off = closeOver({ have: [NODE], requested: [NODE], universe: UNIVERSE, arch: 'amd64', followRecommends: e => e.source === 1 });
    expect(keys(off.additions)).toEqual(['libbase 1.0 amd64']);
  });

  test('GIVEN a recommended package whose dependency is in no upstream THEN it is skipped (reported), not missing (gated)', () => {
    const other = find(BOOKWORM, 'other-tool 1.0 amd64');
    const c = closeOver({ have: [other], requested: [other], universe: UNIVERSE, arch: 'amd64', followRecommends: always });
    expect(c.missing).toEqual([]);
    expect(c.skipped.map(m => `${m.entry.name}: ${m.clause}`)).toEqual(['fuse-helper: ghost-lib']);
  });

  test('GIVEN that package is also a dependency of a requested one THEN its missing dependency is gated', () => {
    const other = find(BOOKWORM, 'other-tool 1.0 amd64');
    const needs = index(2, `
      Package: needs-fuse
      Version: 1
      Architecture: amd64
      Depends: fuse-helper
    `);
    // other-tool comes first: fuse-helper is reached through its Recommends, then through a Depends.
    const c = closeOver({ have: [other, needs[0]], requested: [other, needs[0]], universe: [...UNIVERSE, ...needs], arch: 'amd64', followRecommends: always });
    expect(c.missing.map(m => `${m.clause} <- ${m.chain.map(e => e.name).join(' <- ')}`)).toEqual(['ghost-lib <- fuse-helper <- needs-fuse']);
    expect(c.skipped).toEqual([]);
  });

  test('GIVEN a package mirrored because it is recommended THEN it stays soft in the next round (as when aptly pulled it)', () => {
    const other = find(BOOKWORM, 'other-tool 1.0 amd64');
    const fuse = find(BOOKWORM, 'fuse-helper 1.0 amd64');
    const c = closeOver({ have: [other, fuse], requested: [other], universe: UNIVERSE, arch: 'amd64', followRecommends: always });
    expect(c.missing).toEqual([]);
    expect(c.skipped.map(m => m.entry.name)).toEqual(['fuse-helper']);
  });
});

describe('leftOutRelations', () => {
  test('lists the Recommends and Suggests that nothing mirrored satisfies, alternatives as one clause', () => {
    const have = [NODE, find(BOOKWORM, 'libbase 1.0 amd64'), find(BOOKWORM, 'block-extra 1.0 amd64')];
    const left = leftOutRelations(have, 'amd64').map(l => `${l.field} ${l.clause} (of ${l.by.name})`);
    expect(left.sort()).toEqual([
      'Recommends base-data (of libbase)',
      'Recommends ghost-rec (of node-tool)',
      'Recommends thin-tools | lvm-tools (of node-tool)',
      'Suggests doc-viewer (of node-tool)',
    ]);
  });

  test('an alternative that is mirrored satisfies the clause; arch:all packages count for every architecture', () => {
    const have = [NODE, find(BOOKWORM, 'libbase 1.0 amd64'), find(BOOKWORM, 'base-data 1.0 all'), find(BOOKWORM, 'lvm-tools 1.0 amd64')];
    const left = leftOutRelations(have, 'amd64').map(l => `${l.field} ${l.clause}`);
    expect(left.sort()).toEqual(['Recommends block-extra', 'Recommends ghost-rec', 'Suggests doc-viewer']);
    // For arm64 the amd64 packages are no candidates at all: nothing of theirs is left out.
    expect(leftOutRelations(have, 'arm64')).toEqual([]);
  });
});

// The real Debian lists of this machine (bookworm and its pockets), if it has them: a node-like
// set closed with Recommends leaves out only what no pocket has, and gates nothing it did not before.
const LISTS = '/var/lib/apt/lists';
const realIndexes = fs.existsSync(LISTS) ? fs.readdirSync(LISTS).filter(f => /_main_binary-amd64_Packages\.lz4$/.test(f)).sort() : [];
const realTest = realIndexes.length >= 2 && spawnSync('lz4', ['--version']).status === 0 ? test : test.skip;

describe('closeOver with Recommends over the real lists of this machine', () => {
  realTest('GIVEN a node set THEN Recommends are taken from any pocket, and what is left out exists in none', () => {
    const universe = realIndexes.flatMap((name, source) => {
      const text = spawnSync('lz4', ['-dc', path.join(LISTS, name)], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }).stdout;
      return parseIndex(text, source, 'main');
    });
    const newest = new Map<string, IndexEntry>();
    for (const e of universe) {
      const cur = newest.get(e.name);
      if (!cur || compareVersions(e.version, cur.version) > 0) newest.set(e.name, e);
    }
    const requested = ['qemu-system-x86', 'libvirt-daemon-system', 'lvm2', 'openvswitch-switch', 'ceph-common', 'nfs-common', 'open-iscsi',
      'multipath-tools', 'iptables', 'conntrack', 'ipset', 'curl', 'jq'].map(n => newest.get(n)).filter((e): e is IndexEntry => !!e);
    expect(requested.length).toBeGreaterThan(8);
    const without = closeOver({ have: requested, requested, universe, arch: 'amd64' });
    const withRec = closeOver({ have: requested, requested, universe, arch: 'amd64', followRecommends: always });
    expect(withRec.missing.map(m => m.clause)).toEqual(without.missing.map(m => m.clause));
    expect(withRec.additions.length).toBeGreaterThan(without.additions.length + 20);
    // Whatever a followed Recommends still lacks, no list of the world offers (apt skips it as well).
    const left = leftOutRelations([...requested, ...withRec.additions], 'amd64').filter(l => l.field === 'Recommends');
    for (const l of left) {
      const clause = parseRelations(l.clause)[0];
      const offered = universe.filter(e => clause.some(r => satisfies(e, r, 'amd64'))).map(e => e.key);
      expect(`${l.clause}: ${offered.join(', ')}`).toBe(`${l.clause}: `);
    }
  });
});
