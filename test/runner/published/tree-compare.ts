// Comparing a tree the runner published with aptly's (aptly-oracle.e2e.test.ts): stanzas and
// Releases parsed, values normalized as aptly reads and writes them, and the checks both trees
// must pass for one distribution.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { IndexEntry } from '../../../src/runner/deb/packages-index';

/** `<root>/public/<prefix>` of aptly's tree and of ours. */
export interface Trees {
  readonly aptly: string;
  readonly ours: string;
}

/** Every file below `root` (relative, sorted). */
export function filesBelow(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p); else out.push(path.relative(root, p));
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out.sort();
}

/** A stanza's fields in order: continuation lines kept, joined with '\n'. */
export function parseStanza(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n')) {
    if (/^[ \t]/.test(line)) {
      fields.set(last, `${fields.get(last)}\n${line}`);
      continue;
    }
    const m = /^([^:\s]+):[ \t]*(.*)$/.exec(line);
    if (!m) throw new Error(`not a field line: ${JSON.stringify(line)}`);
    last = m[1];
    fields.set(last, m[2]);
  }
  return fields;
}

export function stanzas(text: string): Array<Map<string, string>> {
  return text.split(/\n\n+/).filter(s => s.trim()).map(s => parseStanza(s.trim()));
}

/** The relations aptly parses and re-joins (deb/package.go); others (Conflicts, Built-Using, ...) it keeps as upstream wrote them. */
const RELATIONS = new Set(['depends', 'pre-depends', 'recommends', 'suggests', 'provides']);
const CHECKSUM_FIELDS = ['md5sum', 'sha1', 'sha256', 'sha512'];

/**
 * A value as aptly reads and writes it (deb/format.go ReadStanza, deb/package.go Stanza): the
 * continuation lines of a field other than Description joined with one space, each line trimmed;
 * the lists of RELATIONS split on ',' and joined with ', '.
 */
export function normalized(name: string, value: string): string {
  const lines = value.split('\n').map(l => l.trim());
  if (name.toLowerCase() === 'description') return lines.join('\n');
  const line = lines.filter(Boolean).join(' ');
  return RELATIONS.has(name.toLowerCase()) ? line.split(',').map(r => r.trim()).join(', ') : line;
}

/** A stanza's fields by lower-case name (apt reads field names case-insensitively, Policy 5.1). */
export function byLowerName(stanza: Map<string, string>): Map<string, [string, string]> {
  return new Map([...stanza].map(([name, value]) => [name.toLowerCase(), [name, value]]));
}

export function packagesOf(tree: string, c: string, a: string, dist: string): string {
  return fs.readFileSync(path.join(tree, 'dists', dist, c, `binary-${a}`, 'Packages'), 'utf8');
}

/** A Release's single-line fields and its checksum sections (title -> path -> [hash, size]). */
export function parseRelease(text: string): { fields: Map<string, string>; sums: Map<string, Map<string, [string, number]>> } {
  const fields = new Map<string, string>();
  const sums = new Map<string, Map<string, [string, number]>>();
  for (const [name, value] of parseStanza(text.trim())) {
    const lines = value.split('\n');
    if (lines[0] !== '' || lines.length === 1) {
      fields.set(name, value);
      continue;
    }
    const files = new Map<string, [string, number]>();
    for (const l of lines.slice(1)) {
      const [hash, size, rel] = l.trim().split(/\s+/);
      files.set(rel, [hash, Number(size)]);
    }
    sums.set(name, files);
  }
  return { fields, sums };
}

export const distFile = (tree: string, rel: string, dist: string) => path.join(tree, 'dists', dist, rel);

/**
 * Every file our Release lists exists with the listed size and all four hashes; aptly's Release
 * lists the same files (its .bz2 too). Returns the files ours lists.
 */
export function expectSameReleaseFiles(trees: Trees, dist: string): string[] {
  const { sums } = parseRelease(fs.readFileSync(distFile(trees.ours, 'Release', dist), 'utf8'));
  const theirs = parseRelease(fs.readFileSync(distFile(trees.aptly, 'Release', dist), 'utf8')).sums;
  expect([...sums.keys()]).toEqual(['MD5Sum', 'SHA1', 'SHA256', 'SHA512']);
  const listed = [...sums.get('SHA256')!.keys()];
  for (const [title, files] of sums) {
    expect([...files.keys()]).toEqual(listed);
    const algo = { MD5Sum: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' }[title]!;
    for (const [rel, [hash, size]] of files) {
      const data = fs.readFileSync(distFile(trees.ours, rel, dist));
      expect(`${title} ${rel} ${data.length} ${crypto.createHash(algo).update(data).digest('hex')}`).toBe(`${title} ${rel} ${size} ${hash}`);
    }
    expect([...theirs.get(title)!.keys()].sort()).toEqual([...listed].sort());
  }
  return listed;
}
/**
 * Our `<c>/binary-<a>/Packages` against aptly's: the same packages in the same order; every field
 * aptly writes has our value (normalized as aptly does), its only extras checksums upstream lacked.
 */
export function expectSameIndex(trees: Trees, dist: string, c: string, a: string, packages: readonly IndexEntry[]): void {
  const ours = stanzas(packagesOf(trees.ours, c, a, dist));
  const theirs = stanzas(packagesOf(trees.aptly, c, a, dist));
  const key = (s: Map<string, string>) => `${s.get('Package')} ${s.get('Version')} ${s.get('Architecture')}`;
  expect(ours.map(key)).toEqual(theirs.map(key));
  expect(ours.length).toBeGreaterThan(0);
  for (const [i, mine] of ours.entries()) {
    const upstreamStanza = parseStanza(packages.find(e => e.component === c && e.key === key(mine))!.stanza);
    const own = byLowerName(mine);
    const extras: string[] = [];
    for (const [name, value] of theirs[i]) {
      const found = own.get(name.toLowerCase());
      if (!found) {
        extras.push(name);
        continue;
      }
      expect(`${key(mine)} ${name}: ${normalized(name, found[1])}`).toBe(`${key(mine)} ${name}: ${normalized(name, value)}`);
    }
    const upstreamNames = new Set([...upstreamStanza.keys()].map(n => n.toLowerCase()));
    expect(extras.filter(f => !CHECKSUM_FIELDS.includes(f.toLowerCase()) || upstreamNames.has(f.toLowerCase()))).toEqual([]);
    // Ours keeps every upstream field, in upstream's order and case; only Filename is changed.
    expect([...mine.keys()]).toEqual([...upstreamStanza.keys()]);
    expect(mine.get('Filename')).toBe(theirs[i].get('Filename'));
  }
}

/** Packages.gz is Packages; the small Release is aptly's, byte for byte. */
export function expectSameSmallFiles(trees: Trees, dist: string, c: string, a: string): void {
  const rel = path.join(dist, `${c}/binary-${a}`);
  const file = (tree: string, name: string) => fs.readFileSync(path.join(tree, 'dists', rel, name));
  expect(zlib.gunzipSync(file(trees.ours, 'Packages.gz')).toString()).toBe(packagesOf(trees.ours, c, a, dist));
  expect(file(trees.ours, 'Release').toString()).toBe(file(trees.aptly, 'Release').toString());
}

/** A Release's fields without Date, Description and the checksums. */
export function releaseHead(tree: string, dist: string): Record<string, string> {
  const { fields } = parseRelease(fs.readFileSync(path.join(tree, 'dists', dist, 'Release'), 'utf8'));
  fields.delete('Date');
  fields.delete('Description');
  return Object.fromEntries(fields);
}

