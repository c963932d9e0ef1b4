// A published distribution's indexes, written by the runner as aptly 1.5.0 publishes them
// (deb/publish.go, deb/index_files.go): per component and architecture Packages, Packages.gz,
// Packages.bz2 (unless skipped) and a small Release, each also under by-hash/<algo>/<hash>; the
// distribution's Release with the same fields in the same order, unsigned (release-writer.ts
// dates and signs it). No Contents (a source that wants them goes through aptly).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { packagesText, PublishedPackage } from './packages-file';
import { RELEASE_CHECKSUMS } from '../deb/release-info';

/** What a distribution's Release says of itself, and what it holds. */
export interface DistSpec {
  /** `<root>/<prefix>/dists/<distribution>` is written. */
  readonly prefix: string;
  readonly distribution: string;
  readonly origin: string;
  readonly label: string;
  readonly suite: string;
  /** Upstream's NotAutomatic and ButAutomaticUpgrades (a backports pocket's), as aptly copies them. */
  readonly notAutomatic?: string;
  readonly butAutomaticUpgrades?: string;
  /** Compresses written files, each to `<file>.bz2` (one bzip2 process); undefined: no Packages.bz2 (aptly's skipBz2Publishing). */
  readonly bzip2?: (files: readonly string[]) => Promise<void>;
  /** Client architectures (every component gets a Packages file for each, empty or not). */
  readonly archs: readonly string[];
  /** Packages by component, in the order the Release lists the components (sorted, as aptly does). */
  readonly components: ReadonlyMap<string, readonly PublishedPackage[]>;
}

/** One written index file: its path below the distribution and its hashes (by Release title). */
interface IndexFile {
  readonly rel: string;
  readonly size: number;
  readonly hashes: ReadonlyMap<string, string>;
}

/** Writes the distribution's indexes and its unsigned Release below `root`. */
export async function writeDist(root: string, spec: DistSpec): Promise<void> {
  const dir = path.join(root, spec.prefix, 'dists', spec.distribution);
  const archs = [...new Set(spec.archs)].sort();
  const written: IndexFile[] = [];
  for (const component of [...spec.components.keys()].sort()) {
    for (const arch of archs) {
      const rel = path.posix.join(component, `binary-${arch}`);
      const text = Buffer.from(packagesText(spec.components.get(component)!, arch));
      const files: Array<[string, Buffer]> = [['Packages', text], ['Packages.gz', zlib.gzipSync(text)], ['Release', Buffer.from(archRelease(spec, component, arch))]];
      written.push(...await Promise.all(files.map(([name, data]) => writeIndex(dir, path.posix.join(rel, name), data))));
    }
  }
  if (spec.bzip2) written.push(...await compressed(dir, written.filter(f => f.rel.endsWith('/Packages')).map(f => f.rel), spec.bzip2));
  await fs.promises.writeFile(path.join(dir, 'Release'), distRelease(spec, archs, written));
}

/** An index file and its by-hash copies (hard links of it). */
async function writeIndex(dir: string, rel: string, data: Buffer): Promise<IndexFile> {
  const file = path.join(dir, rel);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await fs.promises.writeFile(file, data);
  return indexed(dir, rel, data);
}

/** `<rel>.bz2` of each written `rel`, compressed by `bzip2`, and their by-hash copies. */
async function compressed(dir: string, rels: readonly string[], bzip2: (files: readonly string[]) => Promise<void>): Promise<IndexFile[]> {
  await bzip2(rels.map(rel => path.join(dir, rel)));
  return Promise.all(rels.map(async rel => indexed(dir, `${rel}.bz2`, await fs.promises.readFile(path.join(dir, `${rel}.bz2`)))));
}

/** The hashes of a written index file, which is linked under by-hash/ by each. */
async function indexed(dir: string, rel: string, data: Buffer): Promise<IndexFile> {
  const file = path.join(dir, rel);
  const hashes = new Map(RELEASE_CHECKSUMS.map(([title, algo]) => [title, crypto.createHash(algo).update(data).digest('hex')]));
  for (const [title, hash] of hashes) {
    const byHash = path.join(path.dirname(file), 'by-hash', title);
    await fs.promises.mkdir(byHash, { recursive: true });
    await fs.promises.link(file, path.join(byHash, hash)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  return { rel, size: data.length, hashes };
}

/** `<component>/binary-<arch>/Release`, as aptly writes it. */
function archRelease(spec: DistSpec, component: string, arch: string): string {
  return [`Origin: ${spec.origin}`, `Label: ${spec.label}`, `Archive: ${spec.distribution}`, `Suite: ${spec.suite}`,
    `Architecture: ${arch}`, `Component: ${component}`, 'Acquire-By-Hash: yes', ''].join('\n');
}

/** The distribution's Release: aptly's fields and order, the index files' hashes sorted by path. */
function distRelease(spec: DistSpec, archs: readonly string[], files: readonly IndexFile[]): string {
  const sorted = [...files].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const lines = [`Origin: ${spec.origin}`, `Label: ${spec.label}`, `Suite: ${spec.suite}`, `Codename: ${spec.distribution}`,
    // A placeholder the build's date replaces (release-writer.ts rewriteRelease).
    'Date: Thu, 1 Jan 1970 00:00:00 UTC',
    ...(spec.notAutomatic ? [`NotAutomatic: ${spec.notAutomatic}`] : []), ...(spec.butAutomaticUpgrades ? [`ButAutomaticUpgrades: ${spec.butAutomaticUpgrades}`] : []),
    `Architectures: ${archs.join(' ')}`, `Components: ${[...spec.components.keys()].sort().join(' ')}`, 'Description: Generated by cdk8s-mini-mirror'];
  for (const [title] of RELEASE_CHECKSUMS) {
    lines.push(`${title}:`);
    for (const f of sorted) lines.push(` ${f.hashes.get(title)} ${String(f.size).padStart(8)} ${f.rel}`);
  }
  lines.push('Acquire-By-Hash: yes', '');
  return lines.join('\n');
}
