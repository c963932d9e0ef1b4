import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareVersions } from '../../src/runner/deb/debian-version';
import { IndexEntry, parseIndex } from '../../src/runner/deb/packages-index';
import { closeOver, describeMissing } from '../../src/runner/world-closure';

/** Packages stanzas as `name version arch [Field: value]...` lines, separated by blank lines. */
function index(source: number, text: string, component = 'main'): IndexEntry[] {
  return parseIndex(text.replace(/^ +/gm, ''), source, component);
}

function find(entries: readonly IndexEntry[], key: string): IndexEntry {
  const e = entries.find(x => x.key === key);
  if (!e) throw new Error(`no ${key}`);
  return e;
}

const keys = (entries: readonly IndexEntry[]) => entries.map(e => e.key).sort();

describe('closeOver', () => {
  test('GIVEN alternatives WHEN none is mirrored THEN the first one any upstream has is added', () => {
    const universe = index(0, `
      Package: app
      Version: 1
      Architecture: amd64
      Depends: mta-a | mta-b, pager-a | pager-b

      Package: mta-a
      Version: 1
      Architecture: amd64

      Package: mta-b
      Version: 1
      Architecture: amd64

      Package: pager-b
      Version: 1
      Architecture: amd64
    `);
    const app = find(universe, 'app 1 amd64');
    const c = closeOver({ have: [app], requested: [app], universe, arch: 'amd64' });
    expect(keys(c.additions)).toEqual(['mta-a 1 amd64', 'pager-b 1 amd64']);
    expect(c.missing).toEqual([]);
  });

  test('GIVEN a later alternative is already mirrored THEN nothing is added', () => {
    const universe = index(0, `
      Package: app
      Version: 1
      Architecture: amd64
      Depends: mta-a | mta-b

      Package: mta-a
      Version: 1
      Architecture: amd64

      Package: mta-b
      Version: 1
      Architecture: amd64
    `);
    const have = [find(universe, 'app 1 amd64'), find(universe, 'mta-b 1 amd64')];
    expect(closeOver({ have, requested: have.slice(0, 1), universe, arch: 'amd64' })).toEqual({ additions: [], missing: [], skipped: [] });
  });

  test('GIVEN a versioned dependency WHEN the mirrored version is too old THEN the newest matching version is added', () => {
    const universe = index(0, `
      Package: app
      Version: 1
      Architecture: amd64
      Depends: libx (>= 2)

      Package: libx
      Version: 1.5
      Architecture: amd64

      Package: libx
      Version: 2.1
      Architecture: amd64

      Package: libx
      Version: 2.0
      Architecture: amd64
    `);
    const have = [find(universe, 'app 1 amd64'), find(universe, 'libx 1.5 amd64')];
    const c = closeOver({ have, requested: have.slice(0, 1), universe, arch: 'amd64' });
    expect(keys(c.additions)).toEqual(['libx 2.1 amd64']);
    expect(c.missing).toEqual([]);
  });

  test('GIVEN a dependency mirrored at an old version WHEN another source of the world has a newer one THEN the newer one (what apt installs) is added', () => {
    const base = index(0, 'Package: app\nVersion: 1\nArchitecture: amd64\nDepends: libx\n\nPackage: libx\nVersion: 1.0-1\nArchitecture: amd64\n');
    const updates = index(1, 'Package: libx\nVersion: 1.0-1+deb12u1\nArchitecture: amd64\n');
    const c = closeOver({ have: base, requested: base.slice(0, 1), universe: [...base, ...updates], arch: 'amd64' });
    expect(c.additions.map(e => `${e.key} from ${e.source}`)).toEqual(['libx 1.0-1+deb12u1 amd64 from 1']);
  });

  test('Provides: a versioned dependency needs a versioned Provides; a real package is preferred to providers', () => {
    const universe = index(0, `
      Package: app
      Version: 1
      Architecture: amd64
      Depends: libssl3 (>= 3.0), awk, mail-transport-agent

      Package: libssl3t64
      Version: 3.0.13-1
      Architecture: amd64
      Provides: libssl3 (= 3.0.13-1)

      Package: libssl-compat
      Version: 9
      Architecture: amd64
      Provides: libssl3

      Package: mawk
      Version: 1.3.4
      Architecture: amd64
      Provides: awk

      Package: awk
      Version: 1
      Architecture: amd64

      Package: postfix
      Version: 3.7
      Architecture: amd64
      Provides: mail-transport-agent
    `);
    const app = find(universe, 'app 1 amd64');
    const c = closeOver({ have: [app], requested: [app], universe, arch: 'amd64' });
    expect(keys(c.additions)).toEqual(['awk 1 amd64', 'libssl3t64 3.0.13-1 amd64', 'postfix 3.7 amd64']);
    expect(c.missing).toEqual([]);
  });

  test('GIVEN an arch:all package WHEN closed per client architecture THEN its dependencies resolve on that architecture', () => {
    const universe = index(0, `
      Package: tool-data
      Version: 1
      Architecture: all
      Depends: libx, python3:any

      Package: libx
      Version: 1
      Architecture: amd64

      Package: libx
      Version: 1
      Architecture: arm64

      Package: python3
      Version: 3.11
      Architecture: amd64

      Package: python3
      Version: 3.11
      Architecture: arm64
    `);
    const data = find(universe, 'tool-data 1 all');
    const amd64 = closeOver({ have: [data], requested: [data], universe, arch: 'amd64' });
    const arm64 = closeOver({ have: [data], requested: [data], universe, arch: 'arm64' });
    expect(keys(amd64.additions)).toEqual(['libx 1 amd64', 'python3 3.11 amd64']);
    expect(keys(arm64.additions)).toEqual(['libx 1 arm64', 'python3 3.11 arm64']);
    // an arch-specific package mirrored for another architecture does not satisfy
    const withArm = closeOver({ have: [data, find(universe, 'libx 1 arm64')], requested: [data], universe: [], arch: 'amd64' });
    expect(withArm.missing.map(m => m.clause).sort()).toEqual(['libx', 'python3:any']);
  });

  test('GIVEN a pocket (source 1) WHEN its package depends on base packages (source 0) THEN they are added from the base, transitively', () => {
    const base = index(0, `
      Package: libc6
      Version: 2.36-9+deb12u4
      Architecture: amd64
      Depends: libgcc-s1

      Package: libgcc-s1
      Version: 12.2.0-14
      Architecture: amd64
      Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)

      Package: gcc-12-base
      Version: 12.2.0-14
      Architecture: amd64

      Package: adduser
      Version: 3.134
      Architecture: all
      Depends: passwd

      Package: passwd
      Version: 1:4.13+dfsg1-1
      Architecture: amd64
      Depends: libc6 (>= 2.34)

      Package: openssh-client
      Version: 1:9.2p1-2
      Architecture: amd64
      Depends: libc6 (>= 2.34)
    `);
    const updates = index(1, `
      Package: openssh-client
      Version: 1:9.2p1-2+deb12u3
      Architecture: amd64
      Depends: adduser, libc6 (>= 2.36)
    `);
    const ssh = updates[0];
    const c = closeOver({ have: [ssh], requested: [ssh], universe: [...base, ...updates], arch: 'amd64' });
    expect(keys(c.additions)).toEqual(['adduser 3.134 all', 'gcc-12-base 12.2.0-14 amd64', 'libc6 2.36-9+deb12u4 amd64', 'libgcc-s1 12.2.0-14 amd64', 'passwd 1:4.13+dfsg1-1 amd64']);
    expect(c.additions.every(e => e.source === 0)).toBe(true);
    expect(c.missing).toEqual([]);
  });

  test('among equal versions the dependent\'s own source is preferred, else the newest version is taken', () => {
    const base = index(0, 'Package: libx\nVersion: 1.0\nArchitecture: amd64\n\nPackage: liby\nVersion: 1.0\nArchitecture: amd64\n');
    const vendor = index(1, 'Package: app\nVersion: 1\nArchitecture: amd64\nDepends: libx, liby\n\nPackage: libx\nVersion: 1.0\nArchitecture: amd64\n');
    const other = index(2, 'Package: liby\nVersion: 2.0\nArchitecture: amd64\n');
    const app = vendor[0];
    const c = closeOver({ have: [app], requested: [app], universe: [...base, ...vendor, ...other], arch: 'amd64' });
    expect(c.additions.map(e => `${e.key} from ${e.source}`).sort()).toEqual(['libx 1.0 amd64 from 1', 'liby 2.0 amd64 from 2']);
  });

  describe('missing dependencies', () => {
    const base = index(0, `
      Package: libmid
      Version: 1.0
      Architecture: amd64
      Depends: libgone (>= 2)

      Package: libmid
      Version: 1.0
      Architecture: arm64
      Depends: libgone (>= 2)

      Package: libok
      Version: 1.0
      Architecture: all
      Depends: libmid

      Package: orphan
      Version: 5
      Architecture: amd64
      Depends: nowhere
    `);
    const pocket = index(1, `
      Package: app
      Version: 2.0
      Architecture: all
      Depends: libok
    `);
    const universe = [...base, ...pocket];
    const app = pocket[0];
    const ids = ['debian/bookworm', 'debian/bookworm-updates'];

    test('GIVEN a dependency no upstream has THEN it is reported on the package needing it, with the chain to the requested package', () => {
      const c = closeOver({ have: [app], requested: [app], universe, arch: 'amd64' });
      expect(keys(c.additions)).toEqual(['libmid 1.0 amd64', 'libok 1.0 all']);
      expect(c.missing).toHaveLength(1);
      const m = c.missing[0];
      expect(m.clause).toBe('libgone (>= 2)');
      expect(m.architecture).toBe('amd64');
      expect(m.entry.key).toBe('libmid 1.0 amd64');
      expect(m.chain.map(e => e.name)).toEqual(['libmid', 'libok', 'app']);
    });

    test('GIVEN the chain passes through packages already mirrored (a later round) THEN it still reaches the requested package', () => {
      // Round 2 of a world: the additions of round 1 are mirrored now, listed before the requested package.
      const have = [find(base, 'libmid 1.0 amd64'), find(base, 'libok 1.0 all'), app];
      const c = closeOver({ have, requested: [app], universe, arch: 'amd64' });
      expect(c.additions).toEqual([]);
      expect(c.missing.map(m => m.chain.map(e => e.name))).toEqual([['libmid', 'libok', 'app']]);
    });

    test('GIVEN the chain passes through an addition to a mirrored package THEN it still reaches the requested package', () => {
      // libok comes from the universe, libmid is mirrored already (not requested)
      const have = [find(base, 'libmid 1.0 amd64'), app];
      const c = closeOver({ have, requested: [app], universe, arch: 'amd64' });
      expect(keys(c.additions)).toEqual(['libok 1.0 all']);
      expect(c.missing.map(m => m.chain.map(e => e.name))).toEqual([['libmid', 'libok', 'app']]);
    });

    test('a mirrored package no requested package needs is its own root', () => {
      const orphan = find(base, 'orphan 5 amd64');
      const c = closeOver({ have: [app, orphan], requested: [app], universe, arch: 'amd64' });
      const lines = describeMissing(c.missing, ids, new Set([app]));
      expect(lines.map(l => l.line).sort()).toEqual([
        'libgone (>= 2) [amd64], needed by libmid 1.0 <- libok 1.0 <- app 2.0 (requested from debian/bookworm-updates)',
        'nowhere [amd64], needed by orphan 5 (mirrored by debian/bookworm)',
      ]);
      expect(lines.find(l => l.line.startsWith('nowhere'))!.root).toBe(orphan);
      expect(lines.find(l => l.line.startsWith('libgone'))!.root).toBe(app);
    });

    test('describeMissing merges architectures of the same dependency and chain', () => {
      const missing = ['amd64', 'arm64', 'amd64'].flatMap(arch => closeOver({ have: [app], requested: [app], universe, arch }).missing);
      expect(describeMissing(missing, ids, new Set([app])).map(l => l.line)).toEqual([
        'libgone (>= 2) [amd64, arm64], needed by libmid 1.0 <- libok 1.0 <- app 2.0 (requested from debian/bookworm-updates)',
      ]);
    });
  });
});

describe('closeOver agrees with dose-debcheck', () => {
  const base = index(0, `
    Package: libc6
    Version: 2.36-9+deb12u4
    Architecture: amd64
    Depends: libgcc-s1

    Package: libc6
    Version: 2.36-9+deb12u4
    Architecture: arm64
    Depends: libgcc-s1

    Package: libgcc-s1
    Version: 12.2.0-14
    Architecture: amd64
    Depends: libc6 (>= 2.35)

    Package: libgcc-s1
    Version: 12.2.0-14
    Architecture: arm64
    Depends: libc6 (>= 2.35)

    Package: adduser
    Version: 3.134
    Architecture: all
    Depends: passwd | shadow-compat

    Package: passwd
    Version: 1:4.13+dfsg1-1
    Architecture: amd64
    Depends: libc6 (>= 2.34)

    Package: passwd
    Version: 1:4.13+dfsg1-1
    Architecture: arm64
    Depends: libc6 (>= 2.34)

    Package: mawk
    Version: 1.3.4
    Architecture: amd64
    Provides: awk

    Package: mawk
    Version: 1.3.4
    Architecture: arm64
    Provides: awk

    Package: libssl3t64
    Version: 3.0.13-1
    Architecture: amd64
    Provides: libssl3 (= 3.0.13-1)
    Depends: libc6

    Package: python3
    Version: 3.11.2-1
    Architecture: amd64
    Multi-Arch: allowed
    Depends: libc6

    Package: broken-lib
    Version: 1
    Architecture: amd64
    Depends: libgone (>= 2)
  `);
  const pocket = index(1, `
    Package: openssh-client
    Version: 1:9.2p1-2+deb12u3
    Architecture: amd64
    Depends: adduser, libc6 (>= 2.36), awk, libssl3 (>= 3.0.2)

    Package: openssh-client
    Version: 1:9.2p1-2+deb12u3
    Architecture: arm64
    Depends: adduser, libc6 (>= 2.36), awk

    Package: helper
    Version: 1.0
    Architecture: all
    Depends: python3:any, libc6

    Package: needs-broken
    Version: 1.0
    Architecture: all
    Depends: broken-lib
  `, 'updates/main');
  const universe = [...base, ...pocket];

  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-dose-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** dose-debcheck over the closed set (one Packages file per source), the requested packages in the foreground. */
  function dose(requested: IndexEntry[], arch: string): { code: number; stdout: string } {
    const have = requested.filter(e => e.architecture === arch || e.architecture === 'all');
    const c = closeOver({ have, requested, universe, arch });
    const closed = [...have, ...c.additions];
    const files = [0, 1].map(source => {
      const file = path.join(dir, `${arch}-${source}.Packages`);
      fs.writeFileSync(file, closed.filter(e => e.source === source).map(e => e.stanza + '\n\n').join(''));
      return file;
    });
    const fg = path.join(dir, `${arch}-fg.Packages`);
    fs.writeFileSync(fg, have.map(e => e.stanza + '\n\n').join(''));
    const r = spawnSync('dose-debcheck', [`--deb-native-arch=${arch}`, '-e', '-f', `--fg=${fg}`, ...files.map(f => `--bg=${f}`)], { encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout };
  }

  test('GIVEN the closure of requested pocket packages THEN dose-debcheck finds every one installable, per architecture', () => {
    const requested = pocket.filter(e => e.name !== 'needs-broken');
    for (const arch of ['amd64', 'arm64']) {
      const c = closeOver({ have: requested, requested, universe, arch });
      expect(c.missing.map(m => m.clause)).toEqual(arch === 'arm64' ? ['python3:any'] : []);
      if (arch === 'amd64') {
        const r = dose(requested, arch);
        expect(r.stdout).toMatch(/broken-packages: 0/);
        expect(r.code).toBe(0);
      }
    }
  });

  test('GIVEN a dependency closeOver reports missing THEN dose-debcheck finds the requested package broken too', () => {
    const requested = pocket.filter(e => e.name === 'needs-broken' || e.name === 'helper');
    const amd64 = closeOver({ have: requested, requested, universe, arch: 'amd64' });
    expect(amd64.missing.map(m => `${m.clause} <- ${m.chain.map(e => e.name).join(' <- ')}`)).toEqual(['libgone (>= 2) <- broken-lib <- needs-broken']);
    const r = dose(requested, 'amd64');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/package: needs-broken/);
    expect(r.stdout).toMatch(/unsat-dependency: libgone:amd64 \(>= 2\)/);
    expect(r.stdout).not.toMatch(/package: helper/);
    // arm64 has no python3: both judges agree helper is broken there
    const arm = dose(pocket.filter(e => e.name === 'helper'), 'arm64');
    expect(arm.code).toBe(1);
    expect(arm.stdout).toMatch(/unsat-dependency: python3\s/);
  });
});

const LISTS = '/var/lib/apt/lists';
const realIndexes = fs.existsSync(LISTS) ? fs.readdirSync(LISTS).filter(f => /_main_binary-amd64_Packages\.lz4$/.test(f)).sort() : [];
const lz4 = spawnSync('lz4', ['--version']).status === 0;

(realIndexes.length && lz4 ? describe : describe.skip)('closeOver on this machine\'s real Debian indexes', () => {
  test('GIVEN real packages requested from the newest pocket THEN closeOver finds no missing dependency and dose-debcheck installs them from the closed set', () => {
    // the largest index (the release itself) is source 0, its pockets follow
    const size = (f: string) => fs.statSync(path.join(LISTS, f)).size;
    const names = [...realIndexes].sort((a, b) => size(b) - size(a));
    const universe = names.flatMap((name, source) => {
      const text = spawnSync('lz4', ['-dc', path.join(LISTS, name)], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }).stdout;
      return parseIndex(text, source, 'main');
    });
    const newest = new Map<string, IndexEntry>();
    for (const e of universe) {
      const cur = newest.get(e.name);
      if (!cur || compareVersions(e.version, cur.version) > 0) newest.set(e.name, e);
    }
    const requested = ['openssh-client', 'curl', 'jq', 'python3', 'ca-certificates', 'nginx'].map(n => newest.get(n)).filter((e): e is IndexEntry => !!e);
    expect(universe.length).toBeGreaterThan(1000);
    expect(requested.length).toBeGreaterThan(3);
    const c = closeOver({ have: requested, requested, universe, arch: 'amd64' });
    expect(c.missing.map(m => `${m.clause} <- ${m.chain.map(e => e.key).join(' <- ')}`)).toEqual([]);
    const closed = [...requested, ...c.additions];
    expect(c.additions.length).toBeGreaterThan(20);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-real-dose-'));
    try {
      const bg = path.join(dir, 'Packages');
      fs.writeFileSync(bg, closed.map(e => e.stanza + '\n\n').join(''));
      const fg = path.join(dir, 'fg');
      fs.writeFileSync(fg, requested.map(e => e.stanza + '\n\n').join(''));
      const r = spawnSync('dose-debcheck', ['--deb-native-arch=amd64', '-e', '-f', `--fg=${fg}`, `--bg=${bg}`], { encoding: 'utf8' });
      expect(r.stdout).toMatch(/broken-packages: 0/);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
