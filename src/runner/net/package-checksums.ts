// What a package file must be, by its stanza in upstream's signed index: its Size and every
// checksum listed (apt checks each one it knows, so the runner checks each too); and what the
// runner publishes for it: upstream's checksums in lower case, plus SHA256 where upstream lists
// none (apt downloads nothing without a SHA-2, the manifest and keep-pool go by SHA256; aptly
// added the checksums it computed too).
import { IndexEntry, repeatedField } from '../deb/packages-index';
import { BuildError } from '../proc';

/** A Packages stanza's checksum fields, in the order they are published: field, node's algorithm, hex length. */
export const CHECKSUM_FIELDS: ReadonlyArray<readonly [string, string, number]> = [['MD5sum', 'md5', 32], ['SHA1', 'sha1', 40], ['SHA256', 'sha256', 64], ['SHA512', 'sha512', 128]];

/** What a package file must be: its size and every checksum listed (field -> lower-case hex). */
export interface ExpectedFile {
  readonly size: number;
  readonly digests: ReadonlyMap<string, string>;
}

/** A field of a stanza by name, case-insensitively (upstreams write MD5sum and MD5Sum). */
function fieldIn(stanza: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)\\s*$`, 'mi').exec(stanza)?.[1];
}

/** The size and checksums a stanza lists for its file; a BuildError for a stanza that cannot be checked as apt would. */
export function expectedFile(e: IndexEntry, id: string): ExpectedFile {
  const what = `${id}: ${e.name} ${e.version} (${e.architecture})`;
  const repeated = repeatedField(e.stanza);
  if (repeated) {
    throw new BuildError(`${what}: upstream's Packages index gives its ${repeated} field twice, so apt and the build could read different values: `
      + 'the index is malformed; leave the package (and what pulls it in) out of packages.txt, or ask upstream to fix it');
  }
  const size = fieldIn(e.stanza, 'Size');
  if (!size || !/^\d+$/.test(size)) throw new BuildError(`${what} has no valid Size in upstream's Packages index (${JSON.stringify(size ?? '')}): its file cannot be verified`);
  const digests = new Map<string, string>();
  for (const [field, , length] of CHECKSUM_FIELDS) {
    const value = fieldIn(e.stanza, field);
    if (value === undefined) continue;
    if (value.length !== length || !/^[0-9a-fA-F]+$/.test(value)) {
      throw new BuildError(`${what}: upstream's Packages index lists a malformed ${field} (${JSON.stringify(value)}): its file cannot be verified`);
    }
    digests.set(field, value.toLowerCase());
  }
  if (!digests.size) throw new BuildError(`${what} has no checksum in upstream's Packages index: its file cannot be verified`);
  return { size: Number(size), digests };
}

/** Whether two stanzas naming one file agree on it: the same size and the same value for every checksum both list. */
export function sameFile(a: ExpectedFile, b: ExpectedFile): boolean {
  return a.size === b.size && [...a.digests].every(([field, digest]) => (b.digests.get(field) ?? digest) === digest);
}

/** The checksum fields to compute for a file: the listed ones, and SHA256 (always published). */
export function neededFields(expected: ExpectedFile): Set<string> {
  return new Set([...expected.digests.keys(), 'SHA256']);
}

/** How a file (its size, its computed checksums) differs from `expected` (size, else the strongest differing checksum); else the checksums to publish. */
export function compareFile(expected: ExpectedFile, size: number, computed: ReadonlyMap<string, string>)
  : { problem: string } | { published: Map<string, string> } {
  if (size !== expected.size) return { problem: `${size} bytes, the signed Packages index lists ${expected.size}` };
  for (const [field] of [...CHECKSUM_FIELDS].reverse()) {
    const want = expected.digests.get(field);
    const got = computed.get(field) ?? '(not computed)';
    if (want !== undefined && got !== want) return { problem: `${field} ${got}, the signed Packages index lists ${want}` };
  }
  const published = new Map<string, string>();
  for (const [field] of CHECKSUM_FIELDS) {
    const hex = computed.get(field);
    if (hex !== undefined && (expected.digests.has(field) || field === 'SHA256')) published.set(field, hex);
  }
  return { published };
}
