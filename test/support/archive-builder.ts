import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { buildOnce, CACHE_ROOT } from './fixture-cache';
import { runChecked } from './run-build';
import { generateSigningKey, GeneratedKey, withGnupgHome } from './signing-key';

/**
 * Typed specs of real-looking APT archives (pockets, the security layout, `all` architecture,
 * flat repositories, key files, signature variants), built with dpkg-deb, apt-ftparchive and gpg
 * and cached under os.tmpdir(). Serve them with FakeWorld (fake-world.ts).
 */

/** One binary package (a real .deb built with dpkg-deb). */
export interface PackageSpec {
  readonly name: string;
  readonly version: string;
  /** @default 'all' */
  readonly architecture?: string;
  readonly depends?: string;
  readonly preDepends?: string;
  readonly provides?: string;
  readonly recommends?: string;
  readonly suggests?: string;
  readonly conflicts?: string;
  readonly breaks?: string;
  readonly replaces?: string;
  readonly multiArch?: 'same' | 'foreign' | 'allowed';
  /** @default 'misc' */
  readonly section?: string;
  /** @default 'optional' */
  readonly priority?: string;
  /**
   * Bytes of incompressible (pseudo-random, deterministic) payload in the .deb, e.g. 20-200 KiB
   * for a benchmark. @default 0 (a .deb of about 700 bytes)
   */
  readonly payloadBytes?: number;
  /** Changes the .deb's content (and so its checksum) without changing name/version/arch. */
  readonly flavor?: string;
  /** `Source:` of the control file, e.g. 'foo' or 'foo (1.2-1)'. @default not written */
  readonly source?: string;
  /** Lines of the long description (after the synopsis); '' is written as ' .'. @default none */
  readonly longDescription?: readonly string[];
  /** More control fields, written before Description, e.g. { Homepage: 'https://x.example' }. @default none */
  readonly fields?: Readonly<Record<string, string>>;
}

/** How the Release is signed. */
export type SignatureMode =
  /** InRelease (clearsigned) and Release.gpg (detached, armored). */
  | 'both'
  /** InRelease only: no Release.gpg. */
  | 'inrelease'
  /** Release + Release.gpg only: no InRelease. */
  | 'release-gpg'
  /** Release only. */
  | 'none';

/** Release fields. Fields left out are not written. */
export interface ReleaseFields {
  readonly origin?: string;
  readonly label?: string;
  readonly suite?: string;
  /** For a distribution: @default its name. For a flat repository: not written. */
  readonly codename?: string;
  readonly version?: string;
  readonly description?: string;
  /** RFC 2822 date, e.g. 'Sat, 10 Jun 2023 09:00:00 UTC'. @default DEFAULT_RELEASE_DATE */
  readonly date?: string;
  /** Not written unless given. */
  readonly validUntil?: string;
  /** `NotAutomatic: yes` + `ButAutomaticUpgrades: yes` (backports style). @default false */
  readonly notAutomatic?: boolean;
  /** Name of the WorldSpec key that signs it. @default 'archive' */
  readonly key?: string;
  /** @default 'both' */
  readonly signature?: SignatureMode;
  /**
   * Index files to write for each Packages: '' = uncompressed.
   * @default ['', '.gz', '.xz'] for a distribution, ['', '.gz'] for a flat repository
   */
  readonly compressions?: readonly ('' | '.gz' | '.xz')[];
}

/** One distribution (dists/<name>/) of a dists-style archive. */
export interface DistributionSpec extends ReleaseFields {
  /** Directory under dists/, e.g. 'bookworm-updates'. */
  readonly name: string;
  /**
   * `Architectures:` of the Release, in order, e.g. ['all', 'amd64', 'arm64'] (Debian) or ['all']
   * (a vendor repository of arch:all packages). A binary-<arch>/Packages is written for each.
   */
  readonly architectures: readonly string[];
  /** Component (index directory, e.g. 'main') -> its packages. */
  readonly components: Readonly<Record<string, readonly PackageSpec[]>>;
  /**
   * Written before each component in the Release's `Components:` only, index paths stay
   * `<component>/binary-<arch>/`: the Debian security archive's 'updates/' (Release says
   * `Components: updates/main updates/contrib`, files are served at `main/binary-amd64/...`).
   * @default ''
   */
  readonly releaseComponentPrefix?: string;
  /**
   * arch:all packages also go into every binary-<arch>/Packages (what Debian does).
   * @default true
   */
  readonly allInArchIndexes?: boolean;
  /**
   * Write `No-Support-for-Architecture-all: Packages` (Debian's Release has it: arch:all packages
   * are in the binary-<arch> indexes, so apt skips binary-all).
   * @default true when architectures list 'all' and another architecture, and allInArchIndexes
   */
  readonly noSupportForArchitectureAll?: boolean;
}

/** An archive root with dists/ and pool/ (served at /<path>/). */
export interface DistsArchiveSpec {
  readonly kind: 'dists';
  /** URL path below the server root, e.g. 'debian' or 'debian-security' (also its name in the world). */
  readonly path: string;
  readonly distributions: readonly DistributionSpec[];
  /** Checksums left out of the Packages stanzas: ['SHA1', 'SHA512'] gives Debian's (MD5sum and SHA256 only). @default none */
  readonly omitChecksums?: readonly ('SHA1' | 'SHA512')[];
}

/**
 * A flat repository (no dists/): Packages, Release, InRelease, Release.gpg in `<path>/<directory>`,
 * made by apt-ftparchive; clients write `deb [signed-by=...] <url> <directory>` (e.g. `./`).
 */
export interface FlatArchiveSpec extends ReleaseFields {
  readonly kind: 'flat';
  /** URL path below the server root, e.g. 'vendor'. */
  readonly path: string;
  /**
   * The repository directory below the archive root, e.g. './' or 'stable/' (then Suite defaults
   * to 'stable': apt wants Suite or Codename to match it). @default './'
   */
  readonly directory?: string;
  readonly packages: readonly PackageSpec[];
  /** `Architectures:` of the Release. @default not written (like most flat repositories) */
  readonly architectures?: readonly string[];
}

export type ArchiveSpec = DistsArchiveSpec | FlatArchiveSpec;

/** Everything a FakeWorld serves: archives and the keys that sign them. */
export interface WorldSpec {
  readonly archives: readonly ArchiveSpec[];
  /**
   * Names of the signing keys (used by ReleaseFields.key); each is generated.
   * @default ['archive'] plus every name archives use
   */
  readonly keys?: readonly string[];
  /** Unrelated keys added to every multi-key file (like debian-archive-keyring). @default 2 */
  readonly unrelatedKeys?: number;
}

/** A signing key of a built world, with its key files (paths relative to the public dir). */
export interface BuiltKey {
  readonly name: string;
  readonly fingerprint: string;
  /** keys/<name>.asc: armored public key. */
  readonly armoredPath: string;
  /** keys/<name>.gpg: binary public key (`gpg --export`, no armor). */
  readonly binaryPath: string;
  /** keys/<name>-multi.gpg: binary keyring: unrelated key, this key, the other unrelated keys. */
  readonly multiBinaryPath: string;
  /** keys/<name>-multi.asc: the same keys, armored (one block). */
  readonly multiArmoredPath: string;
  /** Fingerprints in the multi-key files, in the binary file's order. */
  readonly multiFingerprints: readonly string[];
}

export interface BuiltWorld {
  /** The tree to serve: <path>/ of each archive and keys/. */
  readonly publicDir: string;
  readonly keys: Readonly<Record<string, BuiltKey>>;
  /** keys/all.gpg (binary) and keys/all.asc: every signing key and the unrelated keys. */
  readonly allKeysBinaryPath: string;
  readonly allKeysArmoredPath: string;
  readonly allFingerprints: readonly string[];
  readonly unrelatedFingerprints: readonly string[];
}

/** Bookworm's release day. */
export const DEFAULT_RELEASE_DATE = 'Sat, 10 Jun 2023 09:00:00 UTC';

/** Part of the cache key: bump it when the builder changes what it produces. */
const BUILDER_VERSION = 'archive-builder-v1';
const building = new Map<string, Promise<BuiltWorld>>();

/** Builds (or reuses from the cache under os.tmpdir()) the signed archives of `spec`. */
export async function buildWorld(spec: WorldSpec): Promise<BuiltWorld> {
  validate(spec);
  const hash = crypto.createHash('sha256').update(BUILDER_VERSION).update(builderSource()).update(JSON.stringify(spec))
    .digest('hex').slice(0, 16);
  let pending = building.get(hash);
  if (!pending) {
    pending = loadOrBuild(spec, path.join(CACHE_ROOT, `world-${hash}`));
    pending.catch(() => building.delete(hash));
    building.set(hash, pending);
  }
  return pending;
}

/** This file's source: part of the cache key, so a change to the builder rebuilds every world. */
function builderSource(): string {
  try {
    return fs.readFileSync(__filename, 'utf8');
  } catch {
    return '';
  }
}

/** The names of the keys a world generates. */
export function keyNames(spec: WorldSpec): string[] {
  const names = new Set(spec.keys ?? ['archive']);
  for (const a of spec.archives) {
    if (a.kind === 'flat') names.add(a.key ?? 'archive');
    else for (const d of a.distributions) names.add(d.key ?? 'archive');
  }
  return [...names];
}

function validate(spec: WorldSpec): void {
  const paths = new Set<string>();
  for (const a of spec.archives) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(a.path) || a.path === 'keys') {
      throw new Error(`bad archive path ${JSON.stringify(a.path)}`);
    }
    if (paths.has(a.path)) throw new Error(`two archives at ${a.path}`);
    paths.add(a.path);
    if (a.kind === 'flat') {
      const dir = a.directory ?? './';
      if (!dir.endsWith('/') || dir.startsWith('/') || dir.includes('..')) throw new Error(`flat directory must end with / (got ${dir})`);
      continue;
    }
    for (const d of a.distributions) {
      for (const [component, pkgs] of Object.entries(d.components)) {
        for (const p of pkgs) {
          const arch = p.architecture ?? 'all';
          if (arch !== 'all' && !d.architectures.includes(arch)) {
            throw new Error(`${a.path} ${d.name}/${component}: ${p.name} is ${arch}, not in architectures ${d.architectures.join(' ')}`);
          }
          if (arch === 'all' && (d.allInArchIndexes === false) && !d.architectures.includes('all')) {
            throw new Error(`${a.path} ${d.name}/${component}: arch:all ${p.name} would be in no index`);
          }
        }
      }
    }
  }
}

async function loadOrBuild(spec: WorldSpec, dir: string): Promise<BuiltWorld> {
  return buildOnce(dir, async (tmp) => {
    const meta = await build(spec, tmp);
    await fs.promises.writeFile(path.join(tmp, 'world.json'), JSON.stringify(meta, null, 2));
  }, async (d) => withPublicDir(d, JSON.parse(await fs.promises.readFile(path.join(d, 'world.json'), 'utf8'))));
}

function withPublicDir(dir: string, meta: Omit<BuiltWorld, 'publicDir'>): BuiltWorld {
  return { ...meta, publicDir: path.join(dir, 'public') };
}

async function build(spec: WorldSpec, dir: string): Promise<Omit<BuiltWorld, 'publicDir'>> {
  const names = keyNames(spec);
  const unrelatedCount = spec.unrelatedKeys ?? 2;
  const [signing, unrelated] = await Promise.all([
    Promise.all(names.map((n) => generateSigningKey({ userId: `Fake ${n} Archive Key <${n}@archive.example>` }))),
    Promise.all(Array.from({ length: unrelatedCount }, (_, i) => generateSigningKey({ userId: `Unrelated Key ${i + 1} <unrelated${i + 1}@archive.example>` }))),
  ]);
  const keyByName = new Map(names.map((n, i) => [n, signing[i]]));
  const pub = path.join(dir, 'public');
  const keysDir = path.join(pub, 'keys');
  await fs.promises.mkdir(keysDir, { recursive: true });

  return withGnupgHome(async (env) => {
    for (const k of signing) await runChecked('gpg', ['--batch', '--import'], { env, input: k.privateKey });
    for (const k of unrelated) await runChecked('gpg', ['--batch', '--import'], { env, input: k.publicKey });
    const exportBinary = async (fpr: string): Promise<Buffer> => {
      const out = path.join(dir, `export-${fpr}.gpg`);
      await runChecked('gpg', ['--batch', '--yes', '--export', '--output', out, fpr], { env });
      const data = await fs.promises.readFile(out);
      await fs.promises.rm(out);
      return data;
    };
    const exportArmored = async (fprs: string[]) => (await runChecked('gpg', ['--batch', '--armor', '--export', ...fprs], { env })).stdout;

    const keys: Record<string, BuiltKey> = {};
    for (const [name, key] of keyByName) {
      // The signing key second, as in a distribution keyring: not the first key of the file.
      const others = unrelated.map((k) => k.fingerprint);
      const multi = [...others.slice(0, 1), key.fingerprint, ...others.slice(1)];
      const built: BuiltKey = {
        name,
        fingerprint: key.fingerprint,
        armoredPath: `keys/${name}.asc`,
        binaryPath: `keys/${name}.gpg`,
        multiBinaryPath: `keys/${name}-multi.gpg`,
        multiArmoredPath: `keys/${name}-multi.asc`,
        multiFingerprints: multi,
      };
      await fs.promises.writeFile(path.join(pub, built.armoredPath), key.publicKey);
      await fs.promises.writeFile(path.join(pub, built.binaryPath), await exportBinary(key.fingerprint));
      await fs.promises.writeFile(path.join(pub, built.multiBinaryPath), Buffer.concat(await Promise.all(multi.map(exportBinary))));
      await fs.promises.writeFile(path.join(pub, built.multiArmoredPath), await exportArmored(multi));
      keys[name] = built;
    }
    const all = [...signing, ...unrelated].map((k) => k.fingerprint);
    await fs.promises.writeFile(path.join(keysDir, 'all.gpg'), Buffer.concat(await Promise.all(all.map(exportBinary))));
    await fs.promises.writeFile(path.join(keysDir, 'all.asc'), await exportArmored(all));

    const signer = (name: string | undefined): GeneratedKey => keyByName.get(name ?? 'archive')!;
    for (const archive of spec.archives) {
      const root = path.join(pub, archive.path);
      await fs.promises.mkdir(root, { recursive: true });
      if (archive.kind === 'flat') await buildFlat(archive, root, env, signer(archive.key));
      else await buildDists(archive, root, env, signer);
    }
    return {
      keys,
      allKeysBinaryPath: 'keys/all.gpg',
      allKeysArmoredPath: 'keys/all.asc',
      allFingerprints: all,
      unrelatedFingerprints: unrelated.map((k) => k.fingerprint),
    };
  });
}

/** `<name>_<version without epoch>_<arch>.deb` */
export function debFileName(pkg: PackageSpec): string {
  return `${pkg.name}_${pkg.version.replace(/^\d+:/, '')}_${pkg.architecture ?? 'all'}.deb`;
}

/** Builds one .deb with dpkg-deb into `outFile` (reproducible: fixed mtimes, owner root). */
export async function buildDeb(pkg: PackageSpec, outFile: string): Promise<void> {
  const arch = pkg.architecture ?? 'all';
  const tree = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-deb-'));
  try {
    await fs.promises.mkdir(path.join(tree, 'DEBIAN'));
    const doc = path.join(tree, 'usr', 'share', 'doc', pkg.name);
    await fs.promises.mkdir(doc, { recursive: true });
    await fs.promises.writeFile(path.join(doc, 'README'), `${pkg.name} ${pkg.version} ${arch} ${pkg.flavor ?? ''}\n`);
    if (pkg.payloadBytes) {
      const lib = path.join(tree, 'usr', 'share', pkg.name);
      await fs.promises.mkdir(lib, { recursive: true });
      await fs.promises.writeFile(path.join(lib, 'payload.bin'), pseudoRandom(`${pkg.name}_${pkg.version}_${arch}_${pkg.flavor ?? ''}`, pkg.payloadBytes));
    }
    const field = (name: string, value: string | undefined) => (value ? [`${name}: ${value}`] : []);
    const control = [
      `Package: ${pkg.name}`,
      ...field('Source', pkg.source),
      `Version: ${pkg.version}`,
      `Architecture: ${arch}`,
      'Maintainer: Fake Upstream <upstream@example.com>',
      ...field('Multi-Arch', pkg.multiArch),
      `Section: ${pkg.section ?? 'misc'}`,
      `Priority: ${pkg.priority ?? 'optional'}`,
      ...field('Pre-Depends', pkg.preDepends),
      ...field('Depends', pkg.depends),
      ...field('Recommends', pkg.recommends),
      ...field('Suggests', pkg.suggests),
      ...field('Conflicts', pkg.conflicts),
      ...field('Breaks', pkg.breaks),
      ...field('Replaces', pkg.replaces),
      ...field('Provides', pkg.provides),
      ...Object.entries(pkg.fields ?? {}).map(([name, value]) => `${name}: ${value}`),
      `Description: test package ${pkg.name}${pkg.flavor ? ` (${pkg.flavor})` : ''}`,
      ...(pkg.longDescription ?? []).map((l) => ` ${l || '.'}`),
    ];
    await fs.promises.writeFile(path.join(tree, 'DEBIAN', 'control'), control.join('\n') + '\n');
    await fs.promises.mkdir(path.dirname(outFile), { recursive: true });
    await runChecked('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', tree, outFile], {
      env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
    });
  } finally {
    await fs.promises.rm(tree, { recursive: true, force: true });
  }
}

/** Deterministic incompressible bytes (AES-256-CTR keystream seeded by `seed`). */
function pseudoRandom(seed: string, size: number): Buffer {
  const key = crypto.createHash('sha256').update(seed).digest();
  const cipher = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

function poolPath(component: string, pkg: PackageSpec): string {
  const initial = pkg.name.startsWith('lib') && pkg.name.length > 3 ? pkg.name.slice(0, 4) : pkg.name[0];
  return path.posix.join('pool', component, initial, pkg.name, debFileName(pkg));
}

/** Stanzas of an apt-ftparchive `packages` run, by Filename. */
async function ftparchivePackages(cwd: string, dir: string, omit: readonly string[] = []): Promise<Map<string, string>> {
  const r = await runChecked('apt-ftparchive', [...omit.flatMap((c) => ['-o', `APT::FTPArchive::${c}=false`]), 'packages', dir], { cwd });
  const stanzas = new Map<string, string>();
  for (const stanza of r.stdout.split(/\n\n+/)) {
    const m = /^Filename: (.*)$/m.exec(stanza);
    if (m) stanzas.set(m[1], stanza.trim() + '\n');
  }
  return stanzas;
}

async function writeIndex(file: string, content: string, compressions: readonly string[]): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const data = Buffer.from(content);
  for (const c of compressions) {
    if (c === '') {await fs.promises.writeFile(file, data);} else if (c === '.gz') {await fs.promises.writeFile(file + '.gz', zlib.gzipSync(data, { level: 9 }));} else if (c === '.xz') {
      await fs.promises.writeFile(file + '.tmp', data);
      await runChecked('xz', ['-9', '-T1', '-f', '-z', file + '.tmp']);
      await fs.promises.rename(file + '.tmp.xz', file + '.xz');
    } else {throw new Error(`unknown compression ${c}`);}
  }
}

/** The Release: our fields (in Debian's order), then apt-ftparchive's checksums of `dir`. */
async function writeRelease(cwd: string, dir: string, header: string[], extra: string[]): Promise<string> {
  const r = await runChecked('apt-ftparchive', ['release', dir], { cwd });
  const sums = r.stdout.slice(r.stdout.indexOf('MD5Sum:'));
  const release = [...header, ...extra].join('\n') + '\n' + sums;
  const file = path.join(cwd, dir, 'Release');
  await fs.promises.writeFile(file, release);
  return file;
}

function releaseHeader(fields: ReleaseFields, codename: string | undefined): string[] {
  const f = (name: string, value: string | undefined) => (value ? [`${name}: ${value}`] : []);
  return [
    ...f('Origin', fields.origin),
    ...f('Label', fields.label),
    ...f('Suite', fields.suite),
    ...f('Version', fields.version),
    ...f('Codename', codename),
    ...(fields.notAutomatic ? ['NotAutomatic: yes', 'ButAutomaticUpgrades: yes'] : []),
    `Date: ${fields.date ?? DEFAULT_RELEASE_DATE}`,
    ...f('Valid-Until', fields.validUntil),
  ];
}

async function sign(release: string, mode: SignatureMode, key: GeneratedKey, env: NodeJS.ProcessEnv): Promise<void> {
  const dir = path.dirname(release);
  const gpg = ['--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--local-user', key.fingerprint, '--digest-algo', 'SHA512'];
  if (mode === 'both' || mode === 'inrelease') {
    await runChecked('gpg', [...gpg, '--clearsign', '--output', path.join(dir, 'InRelease'), release], { env });
  }
  if (mode === 'both' || mode === 'release-gpg') {
    await runChecked('gpg', [...gpg, '--detach-sign', '--armor', '--output', path.join(dir, 'Release.gpg'), release], { env });
  }
}

async function buildDists(archive: DistsArchiveSpec, root: string, env: NodeJS.ProcessEnv,
  signer: (name: string | undefined) => GeneratedKey): Promise<void> {
  // The pool, shared by the distributions (as in Debian): one .deb per file name.
  const debs = new Map<string, { pkg: PackageSpec; json: string }>();
  const components = new Set<string>();
  for (const d of archive.distributions) {
    for (const [component, pkgs] of Object.entries(d.components)) {
      components.add(component);
      for (const pkg of pkgs) {
        const file = poolPath(component, pkg);
        const json = JSON.stringify(pkg);
        const seen = debs.get(file);
        if (seen && seen.json !== json) throw new Error(`${archive.path}: two different packages at ${file}`);
        debs.set(file, { pkg, json });
      }
    }
  }
  await Promise.all([...debs].map(([file, { pkg }]) => buildDeb(pkg, path.join(root, file))));
  const stanzas = new Map<string, string>();
  for (const component of components) {
    if (!fs.existsSync(path.join(root, 'pool', component))) continue;
    for (const [k, v] of await ftparchivePackages(root, `pool/${component}`, archive.omitChecksums)) stanzas.set(k, v);
  }

  for (const d of archive.distributions) {
    const distDir = path.posix.join('dists', d.name);
    const compressions = d.compressions ?? ['', '.gz', '.xz'];
    const indexArchs = d.architectures;
    for (const [component, pkgs] of Object.entries(d.components)) {
      for (const arch of indexArchs) {
        const selected = pkgs.filter((p) => {
          const a = p.architecture ?? 'all';
          return a === arch || (a === 'all' && arch !== 'all' && d.allInArchIndexes !== false);
        });
        const body = selected
          .map((p) => stanzas.get(poolPath(component, p)) ?? thrower(`no stanza for ${poolPath(component, p)}`))
          .join('\n');
        await writeIndex(path.join(root, distDir, component, `binary-${arch}`, 'Packages'), body, compressions);
      }
    }
    const prefix = d.releaseComponentPrefix ?? '';
    const noAll = d.noSupportForArchitectureAll
      ?? (d.architectures.includes('all') && d.architectures.some((a) => a !== 'all') && d.allInArchIndexes !== false);
    const extra = [
      ...(noAll ? ['No-Support-for-Architecture-all: Packages'] : []),
      `Architectures: ${d.architectures.join(' ')}`,
      `Components: ${Object.keys(d.components).map((c) => prefix + c).join(' ')}`,
      ...(d.description ? [`Description: ${d.description}`] : []),
    ];
    const release = await writeRelease(root, distDir, releaseHeader(d, d.codename ?? d.name), extra);
    await sign(release, d.signature ?? 'both', signer(d.key), env);
  }
}

async function buildFlat(archive: FlatArchiveSpec, root: string, env: NodeJS.ProcessEnv, key: GeneratedKey): Promise<void> {
  const dir = (archive.directory ?? './').replace(/\/+$/, '') || '.';
  const repo = path.join(root, dir);
  await fs.promises.mkdir(repo, { recursive: true });
  // Like the openSUSE Build Service: .debs in per-architecture folders next to the indexes.
  await Promise.all(archive.packages.map((p) => buildDeb(p, path.join(repo, p.architecture ?? 'all', debFileName(p)))));
  // Filename: in Packages is relative to the URL (the archive root), as apt expects for flat repositories.
  const stanzas = await ftparchivePackages(root, dir);
  await writeIndex(path.join(repo, 'Packages'), [...stanzas.values()].join('\n'), archive.compressions ?? ['', '.gz']);
  const extra = [
    ...(archive.architectures ? [`Architectures: ${archive.architectures.join(' ')}`] : []),
    ...(archive.description ? [`Description: ${archive.description}`] : []),
  ];
  // apt checks a flat repository's `<dir>/` against Suite or Codename (no check for `./`).
  const suite = archive.suite ?? (dir === '.' ? undefined : path.posix.basename(dir));
  const release = await writeRelease(root, dir, releaseHeader({ ...archive, suite }, archive.codename), extra);
  await sign(release, archive.signature ?? 'both', key, env);
}

function thrower(message: string): never {
  throw new Error(message);
}
