import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AptClient } from './apt-client';
import { WorldSpec } from './archive-builder';
import {
  archAllOnlyArchive, DEBIAN_MAIN_ARCHIVE, DEBIAN_SECURITY_ARCHIVE, FakeWorld, FakeWorldHandle, flatArchive, packagesFiles,
} from './fake-world';
import { runChecked, runCommand } from './run-build';
import { fingerprintsOf } from './signing-key';

/** Every shape in one world: built once (cached under os.tmpdir()). */
const TEST_WORLD: WorldSpec = {
  archives: [
    DEBIAN_MAIN_ARCHIVE,
    DEBIAN_SECURITY_ARCHIVE,
    flatArchive(),
    flatArchive({ path: 'flat-sub', directory: 'stable/', signature: 'inrelease', label: 'sub' }),
    archAllOnlyArchive(),
    archAllOnlyArchive({ path: 'vendor-all-amd64', architectures: ['all', 'amd64'] }),
    {
      kind: 'dists',
      path: 'sig-inrelease',
      distributions: [{
        name: 'stable',
        architectures: ['amd64'],
        signature: 'inrelease',
        origin: 'Sig',
        label: 'InRelease only',
        date: 'Tue, 02 Jan 2024 03:04:05 UTC',
        components: { main: [{ name: 'sig-a', version: '1.0', architecture: 'amd64' }] },
      }],
    },
    {
      kind: 'dists',
      path: 'sig-release-gpg',
      distributions: [{
        name: 'stable',
        architectures: ['amd64'],
        signature: 'release-gpg',
        origin: 'Sig',
        label: 'Release.gpg only',
        components: { main: [{ name: 'sig-b', version: '1.0', architecture: 'amd64', payloadBytes: 40 * 1024 }] },
      }],
    },
  ],
};

describe('FakeWorld', () => {
  let world: FakeWorldHandle;
  let tmp: string;

  beforeAll(async () => {
    world = await FakeWorld.start(TEST_WORLD);
    tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-world-test-'));
  });

  afterAll(async () => {
    await world?.stop();
    if (tmp) await fs.promises.rm(tmp, { recursive: true, force: true });
  });

  /** Fetches a served file into tmp (so clients use the served bytes, not the cache's). */
  async function download(url: string, name: string): Promise<string> {
    const file = path.join(tmp, name);
    await runChecked('curl', ['-sSf', '--noproxy', '*', '-o', file, url]);
    return file;
  }

  async function httpStatus(url: string): Promise<string> {
    return (await runChecked('curl', ['-s', '--noproxy', '*', '-o', '/dev/null', '-w', '%{http_code}', url])).stdout;
  }

  test('Release fields, signature variants and the security layout are served as specified', async () => {
    const read = (archive: string, p: string) => fs.promises.readFile(path.join(world.archives[archive].localDir, p), 'utf8');
    const bookworm = await read('debian', 'dists/bookworm/Release');
    expect(bookworm).toMatch(/^Origin: Debian\nLabel: Debian\nSuite: stable\nVersion: 12.5\nCodename: bookworm\nDate: Sat, 10 Jun 2023 09:00:00 UTC\n/);
    expect(bookworm).toMatch(/^Architectures: all amd64 arm64$/m);
    expect(bookworm).toMatch(/^No-Support-for-Architecture-all: Packages$/m);
    expect(bookworm).toMatch(/^Components: main contrib$/m);
    expect(bookworm).toMatch(/ main\/binary-all\/Packages\.xz$/m);

    const security = await read('debian-security', 'dists/bookworm-security/Release');
    expect(security).toMatch(/^Components: updates\/main updates\/contrib$/m);
    expect(security).toMatch(/^Suite: stable-security$/m);
    expect(security).toMatch(/ main\/binary-amd64\/Packages\.gz$/m);
    expect(security).not.toMatch(/updates\/main\/binary/);
    const sec = world.archives['debian-security'];
    expect(await httpStatus(`${sec.url}/dists/bookworm-security/main/binary-amd64/Packages.xz`)).toBe('200');
    expect(await httpStatus(`${sec.url}/dists/bookworm-security/updates/main/binary-amd64/Packages.xz`)).toBe('404');
    expect(sec.fingerprint).not.toBe(world.archives.debian.fingerprint);

    // arch:all packages are in binary-all and in every binary-<arch> (as in Debian).
    const main = world.archives.debian;
    for (const arch of ['all', 'amd64', 'arm64']) {
      expect(await read('debian', `dists/bookworm/main/binary-${arch}/Packages`)).toMatch(/^Package: py-tool$/m);
    }
    expect(await read('debian', 'dists/bookworm/main/binary-all/Packages')).not.toMatch(/^Architecture: amd64$/m);
    expect(packagesFiles(main, 'bookworm', 'amd64').map((f) => path.relative(main.localDir, f)))
      .toEqual(['dists/bookworm/contrib/binary-amd64/Packages', 'dists/bookworm/main/binary-amd64/Packages']);

    // Arch:all only vendor archives.
    expect(await read('vendor-all', 'dists/stable/Release')).toMatch(/^Architectures: all$/m);
    expect(fs.existsSync(path.join(world.archives['vendor-all'].localDir, 'dists/stable/main/binary-amd64'))).toBe(false);
    expect(await read('vendor-all-amd64', 'dists/stable/Release')).toMatch(/^Architectures: all amd64$/m);

    // Flat repositories: indexes at the top, Filename relative to the URL.
    const flat = await read('flat', 'Packages');
    expect(flat).toMatch(/^Filename: \.\/amd64\/flat-tool_3\.1-1_amd64\.deb$/m);
    expect(await read('flat-sub', 'stable/Packages')).toMatch(/^Filename: stable\/all\/flat-data_3\.1-1_all\.deb$/m);
    expect(fs.existsSync(path.join(world.archives.flat.localDir, 'dists'))).toBe(false);
    expect(await read('flat', 'Release')).toMatch(/^Origin: obs:\/\/build.example\/home:vendor\nLabel: home:vendor\nDate: /);

    // Signature variants.
    const exists = (archive: string, p: string) => fs.existsSync(path.join(world.archives[archive].localDir, p));
    expect([exists('sig-inrelease', 'dists/stable/InRelease'), exists('sig-inrelease', 'dists/stable/Release.gpg')]).toEqual([true, false]);
    expect([exists('sig-release-gpg', 'dists/stable/InRelease'), exists('sig-release-gpg', 'dists/stable/Release.gpg')]).toEqual([false, true]);
    expect([exists('flat-sub', 'stable/InRelease'), exists('flat-sub', 'stable/Release.gpg')]).toEqual([true, false]);
    expect(await read('sig-inrelease', 'dists/stable/Release')).toMatch(/^Date: Tue, 02 Jan 2024 03:04:05 UTC$/m);

    // payloadBytes: incompressible content.
    const deb = path.join(world.archives['sig-release-gpg'].localDir, 'pool/main/s/sig-b/sig-b_1.0_amd64.deb');
    expect(fs.statSync(deb).size).toBeGreaterThan(40 * 1024);
  });

  test('key files: armored, binary (no armor), several keys in one file', async () => {
    const key = world.keys.archive;
    const armored = await download(key.url, 'k.asc');
    const binary = await download(key.binaryUrl, 'k.gpg');
    const multi = await download(key.multiKeyUrl, 'k-multi.gpg');
    const multiArmored = await download(key.multiKeyArmoredUrl, 'k-multi.asc');
    expect(await fs.promises.readFile(armored, 'utf8')).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const bin = await fs.promises.readFile(binary);
    expect(bin.toString('latin1')).not.toContain('BEGIN PGP');
    expect(bin[0]).toBeGreaterThanOrEqual(0x80); // an OpenPGP packet tag (bit 7 set)
    const fprs = async (f: string) => fingerprintsOf((await runChecked('gpg', ['--batch', '--with-colons', '--show-keys', f],
      { env: { ...process.env, GNUPGHOME: tmp } })).stdout);
    expect(await fprs(binary)).toEqual([key.fingerprint]);
    expect(await fprs(multi)).toEqual(key.multiKeyFingerprints);
    expect(key.multiKeyFingerprints).toHaveLength(3);
    expect(key.multiKeyFingerprints[1]).toBe(key.fingerprint);
    expect((await fprs(multiArmored)).sort()).toEqual([...key.multiKeyFingerprints].sort());
    expect((await fprs(await download(world.allKeysUrl, 'all.gpg'))).sort())
      .toEqual([world.keys.archive.fingerprint, world.keys.security.fingerprint, ...world.unrelatedFingerprints].sort());
  });

  test('apt-get updates every shape and installs across pockets, security, flat and all-only repositories', async () => {
    const before = world.requests.length;
    const keys = {
      binary: await download(world.keys.archive.binaryUrl, 'apt-archive.gpg'),
      securityMulti: await download(world.keys.security.multiKeyUrl, 'apt-security-multi.gpg'),
      multiArmored: await download(world.keys.archive.multiKeyArmoredUrl, 'apt-archive-multi.asc'),
      armored: await download(world.keys.archive.url, 'apt-archive.asc'),
      all: await download(world.allKeysUrl, 'apt-all.gpg'),
    };
    const a = world.archives;
    const sources = [
      { 'URIs': a.debian.url, 'Suites': 'bookworm bookworm-updates', 'Components': 'main contrib', 'Signed-By': keys.binary },
      { 'URIs': a['debian-security'].url, 'Suites': 'bookworm-security', 'Components': 'main contrib', 'Signed-By': keys.securityMulti },
      { 'URIs': a.flat.url, 'Suites': './', 'Signed-By': keys.multiArmored },
      { 'URIs': a['flat-sub'].url, 'Suites': 'stable/', 'Signed-By': keys.armored },
      { 'URIs': a['vendor-all'].url, 'Suites': 'stable', 'Components': 'main', 'Signed-By': keys.all },
      { 'URIs': a['sig-inrelease'].url, 'Suites': 'stable', 'Components': 'main', 'Signed-By': keys.binary },
      { 'URIs': a['sig-release-gpg'].url, 'Suites': 'stable', 'Components': 'main', 'Signed-By': keys.binary },
    ];
    for (const arch of ['amd64', 'arm64']) {
      const client = await AptClient.create([], { architecture: arch });
      try {
        const text = sources.map((s) => ['Types: deb', ...Object.entries(s).map(([k, v]) => `${k}: ${v}`)].join('\n')).join('\n\n');
        await fs.promises.writeFile(path.join(client.root, 'etc/apt/sources.list.d/mirror.sources'), text + '\n');
        await client.update();
        // sig-a and sig-b are amd64 only.
        const sig = arch === 'amd64' ? ['sig-a', 'sig-b'] : [];
        const plan = await client.simulateInstall(['upd-tool', 'py-tool', 'sec-contrib', 'contrib-base', 'flat-tool', 'vendor-cli', ...sig]);
        const got = Object.fromEntries(plan.map((p) => [p.name, `${p.version} ${p.architecture}`]));
        expect(got).toEqual({
          'upd-tool': `1.1 ${arch}`,
          'py-tool': '1.1 all',
          'py-runtime': `1.0 ${arch}`,
          'libbase1': `1.0+deb12u1 ${arch}`,
          'libdeep1': `1.0 ${arch}`,
          'base-pre': `1.0 ${arch}`,
          'base-mta': `1.0 ${arch}`,
          'sec-contrib': '1.0+deb12u1 all',
          'sec-tool': `1.0+deb12u1 ${arch}`,
          'contrib-base': '1.0 all',
          'flat-tool': `3.1-1 ${arch}`,
          'flat-data': '3.1-1 all',
          'vendor-cli': '2.0 all',
          'vendor-lib': '2.0 all',
          ...Object.fromEntries(sig.map((name) => [name, '1.0 amd64'])),
        });
      } finally {
        await client.dispose();
      }
    }
    // apt asked for the security indexes without updates/, and for the flat indexes at the top.
    const requests = world.requests.slice(before);
    expect(requests).toContain('/debian-security/dists/bookworm-security/InRelease');
    expect(requests.some((r) => /^\/debian-security\/dists\/bookworm-security\/main\/binary-amd64\/Packages/.test(r))).toBe(true);
    expect(requests.filter((r) => r.includes('bookworm-security/updates/'))).toEqual([]);
    expect(requests).toContain('/vendor-all/dists/stable/main/binary-all/Packages.xz');
    expect(requests).toContain('/flat/InRelease');
    expect(requests.some((r) => /^\/flat\/Packages/.test(r))).toBe(true);
    expect(requests).toContain('/sig-release-gpg/dists/stable/Release.gpg');
  });

  test('dose-debcheck: the pockets are uninstallable alone and installable with the base suite', async () => {
    const main = world.archives.debian;
    const sec = world.archives['debian-security'];
    for (const arch of ['amd64', 'arm64']) {
      const base = packagesFiles(main, 'bookworm', arch);
      const pockets = [...packagesFiles(main, 'bookworm-updates', arch), ...packagesFiles(sec, 'bookworm-security', arch)];
      const alone = await runCommand('dose-debcheck', ['-e', '-f', `--deb-native-arch=${arch}`, ...pockets]);
      const broken = Number(/^broken-packages: (\d+)$/m.exec(alone.stdout)?.[1]);
      // upd-tool, py-tool 1.1, libbase1 1.0+deb12u1 (libdeep1), sec-tool and sec-contrib (through libbase1)
      expect(broken).toBeGreaterThanOrEqual(4);
      expect(alone.stdout).toContain(`unsat-dependency: base-pre:${arch}`);
      expect(alone.stdout).toContain(`unsat-dependency: py-runtime:${arch} (>= 1.0)`);
      expect(alone.stdout).toContain(`unsat-dependency: libdeep1:${arch}`);
      const together = await runCommand('dose-debcheck', ['-e', '-f', `--deb-native-arch=${arch}`,
        ...pockets.map((f) => `--fg=${f}`), ...base.map((f) => `--bg=${f}`)]);
      expect(together.stdout).toMatch(/^broken-packages: 0$/m);
      expect(together.stdout).toMatch(/^foreground-packages: [1-9]/m);
    }
  });

  describe('aptly', () => {
    let conf: string;
    let n = 0;
    const aptly = (...args: string[]) => runCommand('aptly', [`-config=${conf}`, ...args], { env: { ...process.env, HOME: tmp } });
    /** mirror create + update; returns the mirror's package refs. */
    async function mirror(keyring: string, createArgs: string[], url: string, ...distComponents: string[]): Promise<string[]> {
      const name = `m${n++}`;
      const create = await aptly('mirror', 'create', `-keyring=${keyring}`, ...createArgs, name, url, ...distComponents);
      if (create.exitCode !== 0) throw new Error(`mirror create: ${create.stdout}${create.stderr}`);
      const update = await aptly('mirror', 'update', `-keyring=${keyring}`, name);
      if (update.exitCode !== 0) throw new Error(`mirror update: ${update.stdout}${update.stderr}`);
      const show = await runChecked('aptly', [`-config=${conf}`, 'mirror', 'show', '-with-packages', name]);
      return show.stdout.split('Packages:\n')[1].split('\n').map((l) => l.trim()).filter(Boolean);
    }

    beforeAll(async () => {
      conf = path.join(tmp, 'aptly.conf');
      await fs.promises.writeFile(conf, JSON.stringify({ rootDir: path.join(tmp, 'aptly'), architectures: ['amd64'] }));
    });

    test('accepts the flat repository (distribution ./ and stable/)', async () => {
      const key = world.keys.archive.files.multiBinary;
      expect(await mirror(key, [], world.archives.flat.url, './')).toEqual(['flat-data_3.1-1_all', 'flat-tool_3.1-1_amd64', 'flat-tool_3.1-1_arm64']);
      expect(await mirror(key, [], world.archives['flat-sub'].url, 'stable/')).toHaveLength(3);
    });

    test('accepts the security layout with -force-components and component main, fetching main/binary-amd64', async () => {
      const key = world.keys.security.files.binary;
      const url = world.archives['debian-security'].url;
      const refused = await aptly('mirror', 'create', `-keyring=${key}`, 'refused', url, 'bookworm-security', 'main');
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain('component main not available in repo');
      const before = world.requests.length;
      expect(await mirror(key, ['-force-components'], url, 'bookworm-security', 'main'))
        .toEqual(['libbase1_1.0+deb12u1_amd64', 'sec-tool_1.0+deb12u1_amd64']);
      const fetched = world.requests.slice(before);
      expect(fetched).toContain('/debian-security/dists/bookworm-security/main/binary-amd64/Packages.gz');
      expect(fetched.filter((r) => r.includes('/updates/'))).toEqual([]);
      // updates/main (as the Release says) is accepted at create time and fails at update (404).
      const create = await aptly('mirror', 'create', `-keyring=${key}`, 'upd', url, 'bookworm-security', 'updates/main');
      expect(create.exitCode).toBe(0);
      const update = await aptly('mirror', 'update', `-keyring=${key}`, 'upd');
      expect(update.exitCode).not.toBe(0);
      expect(update.stdout + update.stderr).toMatch(/404.*updates\/main\/binary-amd64\/Packages/);
    });

    test('accepts InRelease-only and Release.gpg-only archives, and refuses a wrong key', async () => {
      const key = world.keys.archive.files.binary;
      expect(await mirror(key, [], world.archives['sig-inrelease'].url, 'stable', 'main')).toEqual(['sig-a_1.0_amd64']);
      expect(await mirror(key, [], world.archives['sig-release-gpg'].url, 'stable', 'main')).toEqual(['sig-b_1.0_amd64']);
      const wrong = await aptly('mirror', 'create', `-keyring=${world.keys.security.files.binary}`, 'wrong', world.archives['sig-inrelease'].url, 'stable', 'main');
      expect(wrong.exitCode).not.toBe(0);
    });

    test('how aptly treats `all` (observed behaviour, aptly 1.5.0)', async () => {
      const key = world.keys.archive.files.binary;
      // -architectures=amd64 on a Debian-like suite includes arch:all packages (from binary-amd64).
      expect(await mirror(key, ['-architectures=amd64', '-filter=py-tool', '-filter-with-deps'], world.archives.debian.url, 'bookworm', 'main'))
        .toEqual(['libbase1_1.0_amd64', 'libdeep1_1.0_amd64', 'py-runtime_1.0_amd64', 'py-tool_1.0_all']);
      // A Release listing only `all`: amd64 is refused; -architectures=all works.
      const refused = await aptly('mirror', 'create', `-keyring=${key}`, '-architectures=amd64', 'allonly', world.archives['vendor-all'].url, 'stable', 'main');
      expect(refused.stdout + refused.stderr).toContain('architecture amd64 not available in repo');
      expect(await mirror(key, ['-architectures=all'], world.archives['vendor-all'].url, 'stable', 'main'))
        .toEqual(['vendor-cli_2.0_all', 'vendor-lib_2.0_all']);
      expect(await mirror(key, ['-architectures=amd64'], world.archives['vendor-all-amd64'].url, 'stable', 'main'))
        .toEqual(['vendor-cli_2.0_all', 'vendor-lib_2.0_all']);
      // Flat repositories: -architectures is ignored and -filter-with-deps follows no dependency
      // (flat-tool Depends flat-data, same repository: not pulled in).
      expect(await mirror(key, ['-architectures=amd64', '-filter=flat-tool', '-filter-with-deps'], world.archives.flat.url, './'))
        .toEqual(['flat-tool_3.1-1_amd64', 'flat-tool_3.1-1_arm64']);
    });
  });
});
