// The Packages index of one component and architecture, written by the runner: upstream's
// stanzas as its signed index gave them, with Filename pointing into the published pool and the
// checksums the runner checked; in aptly's order (name, newest version first, architecture) so
// the same packages give the same bytes.
import { compareVersions } from '../deb/debian-version';
import { IndexEntry } from '../deb/packages-index';
import { CHECKSUM_FIELDS } from '../net/package-checksums';

/** A package as published: its upstream entry, its path in the published pool, and its file's checksums (field -> hex, published order). */
export interface PublishedPackage {
  readonly entry: IndexEntry;
  readonly poolPath: string;
  readonly checksums: ReadonlyMap<string, string>;
}

/** The Packages text of the packages of one architecture (arch:all ones included). */
export function packagesText(packages: readonly PublishedPackage[], arch: string): string {
  const mine = packages.filter(p => p.entry.architecture === arch || p.entry.architecture === 'all');
  mine.sort((a, b) => compareEntries(a.entry, b.entry));
  return mine.map(p => `${publishedStanza(p)}\n\n`).join('');
}

/** aptly's order of a published index (deb/list.go lessPackages). */
function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const v = compareVersions(b.version, a.version);
  if (v !== 0) return v;
  return a.architecture < b.architecture ? -1 : a.architecture > b.architecture ? 1 : 0;
}

const CHECKSUM_NAMES = new Set(CHECKSUM_FIELDS.map(([field]) => field.toLowerCase()));

/**
 * The upstream stanza (upstream verified it; the runner refused one with a repeated field) with
 * its Filename replaced by the published one and its checksum fields by the ones the runner
 * checked (upstream's in lower case, plus SHA256), where upstream's first checksum was (else
 * after the Filename). CR line ends go.
 */
export function publishedStanza(p: PublishedPackage): string {
  const sums = [...p.checksums].map(([field, hex]) => `${field}: ${hex}`);
  const out: string[] = [];
  let placed = false;
  let skipping = false;
  let filenameAt = -1;
  for (const raw of p.entry.stanza.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^[ \t]/.test(line)) {
      if (!skipping) out.push(line);
      continue;
    }
    const name = line.slice(0, Math.max(0, line.indexOf(':'))).toLowerCase();
    skipping = name === 'filename' || CHECKSUM_NAMES.has(name);
    if (name === 'filename' && filenameAt < 0) {
      filenameAt = out.push(`Filename: ${p.poolPath}`);
    } else if (CHECKSUM_NAMES.has(name) && !placed) {
      placed = true;
      out.push(...sums);
    } else if (!skipping) {
      out.push(line);
    }
  }
  if (!placed) out.splice(filenameAt < 0 ? out.length : filenameAt, 0, ...sums);
  return out.join('\n');
}
