// A Release file's parsed content (fields, listed files and their hashes) and where it lives:
// pure data, read by the fetcher, the checks and the index loader without fetching anything.
import { field, parseParagraph } from './control';

/** The checksum lists of a Release file, as titled there, with node's name for each algorithm. */
export const RELEASE_CHECKSUMS: ReadonlyArray<readonly [string, string]> = [['MD5Sum', 'md5'], ['SHA1', 'sha1'], ['SHA256', 'sha256'], ['SHA512', 'sha512']];

export interface ReleaseInfo {
  readonly fields: Map<string, string>;
  readonly components: string[];
  readonly architectures: string[];
  readonly date?: string;
  /** SHA256 (else SHA1/MD5Sum-less: size only) of each listed file, by path relative to the Release. */
  readonly files: Map<string, { sha256?: string; size: number }>;
  /** Path of the Release relative to the upstream URL: `dists/<dist>/` or the flat directory. */
  readonly base: string;
}

/** Where the Release of `distribution` lives: `dists/<dist>/`, or the flat directory itself (`./`, `sub/`). */
export function releaseBase(distribution: string): string {
  if (distribution.endsWith('/')) return distribution === './' ? '' : distribution.replace(/^\.\//, '');
  return `dists/${distribution}/`;
}

export function parseRelease(text: string, base: string): ReleaseInfo {
  const fields = parseParagraph(text.replace(/\r/g, ''));
  const files = new Map<string, { sha256?: string; size: number }>();
  for (const name of ['MD5Sum', 'SHA1', 'SHA256']) {
    for (const line of (field(fields, name) ?? '').split('\n')) {
      const [hash, size, file] = line.trim().split(/\s+/);
      if (!file) continue;
      const prev = files.get(file);
      files.set(file, { size: Number(size), sha256: name === 'SHA256' ? hash : prev?.sha256 });
    }
  }
  const words = (name: string) => (field(fields, name) ?? '').split(/\s+/).filter(Boolean);
  return { fields, components: words('Components'), architectures: words('Architectures'), date: field(fields, 'Date'), files, base };
}
