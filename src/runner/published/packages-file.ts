// The Packages index of one component and architecture, written by the runner: upstream's
// stanzas as its signed index gave them, only Filename pointing into the published pool; in
// aptly's order (name, newest version first, architecture) so the same packages give the same bytes.
import { compareVersions } from '../deb/debian-version';
import { IndexEntry } from '../deb/packages-index';

/** A package as published: its upstream entry and its path in the published pool. */
export interface PublishedPackage {
  readonly entry: IndexEntry;
  readonly poolPath: string;
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

/** The upstream stanza with its Filename replaced by the published one. */
export function publishedStanza(p: PublishedPackage): string {
  return p.entry.stanza.replace(/^Filename:.*$/m, `Filename: ${p.poolPath}`);
}
