import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { buildWorld, DistsArchiveSpec, WorldSpec } from './archive-builder';
import { FakeWorld, FakeWorldHandle } from './fake-world';
import { addSignatures, clearsign, detachSign, ExtraSignature, SignOptions } from './hostile-keys';
import { GeneratedKey } from './signing-key';

/**
 * A small real archive (built once by archive-builder) served with a Release that an adversary
 * rewrote and signed (InRelease and Release.gpg), and a key file of the adversary's choosing.
 */
export const HOSTILE_ARCHIVE: DistsArchiveSpec = {
  kind: 'dists',
  path: 'hostile',
  distributions: [{
    name: 'stable',
    origin: 'Upstream',
    label: 'Upstream',
    suite: 'stable',
    codename: 'bookworm',
    architectures: ['all', 'amd64'],
    components: { main: [{ name: 'hello', version: '1.0' }] },
  }],
};
const WORLD: WorldSpec = { archives: [HOSTILE_ARCHIVE], unrelatedKeys: 0 };

export interface HostileOptions {
  /** Keys that sign the Release, one signature each. */
  readonly signers: readonly GeneratedKey[];
  readonly sign?: SignOptions;
  /** The armored key file served at keyUrl. */
  readonly servedKey: string;
  /** Rewrites the genuine Release's text before it is signed. @default unchanged */
  readonly release?: (text: string) => string;
  /**
   * Rewrites each uncompressed `main/binary-<arch>/Packages` (the Release then lists it with its
   * new hashes, and no compressed variant): a signed index whose stanzas an adversary chose. @default unchanged
   */
  readonly packages?: (text: string) => string;
  /** Rewrites the InRelease after it was signed (a bad signature). @default unchanged */
  readonly tamper?: (inRelease: string) => string;
  /** Serve the InRelease; false: Release and Release.gpg only. @default true */
  readonly inRelease?: boolean;
  /** More signatures of the InRelease, each made on its own (e.g. a forged one: BADSIG). @default none */
  readonly extraSignatures?: readonly ExtraSignature[];
}

export interface HostileUpstream {
  readonly world: FakeWorldHandle;
  /** The archive root (holds dists/ and pool/). */
  readonly url: string;
  readonly keyUrl: string;
  /** Requests to the pool: none when a build refused the Release. */
  poolRequests(): string[];
}

export async function startHostileUpstream(options: HostileOptions): Promise<HostileUpstream> {
  const built = await buildWorld(WORLD);
  const distDir = path.join(built.publicDir, HOSTILE_ARCHIVE.path, 'dists', 'stable');
  let genuine = await fs.promises.readFile(path.join(distDir, 'Release'), 'utf8');
  const indexes: Record<string, string> = {};
  if (options.packages) {
    for (const arch of HOSTILE_ARCHIVE.distributions[0].architectures) {
      const rel = `main/binary-${arch}/Packages`;
      indexes[`/hostile/dists/stable/${rel}`] = options.packages(await fs.promises.readFile(path.join(distDir, rel), 'utf8'));
      genuine = relisted(genuine, rel, Buffer.from(indexes[`/hostile/dists/stable/${rel}`]));
    }
  }
  const release = (options.release ?? (t => t))(genuine);
  const signed = await addSignatures(await clearsign(release, options.signers, options.sign), release, options.extraSignatures ?? []);
  const inRelease = (options.tamper ?? (t => t))(signed);
  const dist = '/hostile/dists/stable';
  const world = await FakeWorld.start(WORLD, {
    hide: options.inRelease === false ? /\/InRelease$/ : undefined,
    files: {
      ...indexes,
      [`${dist}/Release`]: release,
      [`${dist}/InRelease`]: inRelease,
      [`${dist}/Release.gpg`]: await detachSign(release, options.signers, options.sign),
      '/keys/upstream.asc': options.servedKey,
    },
  });
  return {
    world,
    url: world.archives.hostile.url,
    keyUrl: `${world.url}/keys/upstream.asc`,
    poolRequests: () => world.requests.filter(r => r.includes('/pool/')),
  };
}

/** The Release listing `rel` with the hashes and size of `data`, and none of its compressed variants. */
function relisted(release: string, rel: string, data: Buffer): string {
  const algos: Record<string, string> = { MD5Sum: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
  let section = '';
  return release.split('\n').flatMap(line => {
    const title = /^(\S+):/.exec(line)?.[1];
    if (title) section = title;
    const listed = / (\S+)$/.exec(line)?.[1];
    if (!line.startsWith(' ') || !listed?.startsWith(rel)) return [line];
    if (listed !== rel) return [];
    return [` ${crypto.createHash(algos[section]).update(data).digest('hex')} ${String(data.length).padStart(16)} ${rel}`];
  }).join('\n');
}

/** Sets (or adds after `Date`) a Release field. */
export function setField(text: string, name: string, value: string): string {
  const re = new RegExp(`^${name}: .*$`, 'm');
  return re.test(text) ? text.replace(re, `${name}: ${value}`) : text.replace(/^(Date: .*)$/m, `$1\n${name}: ${value}`);
}

/** The Release without its SHA1 and SHA256 sections: MD5Sum only. */
export function md5Only(text: string): string {
  return text.replace(/^(SHA1|SHA256|SHA512):\n(?: .*\n)*/gm, '');
}

/** An RFC 1123 date as Release files write it. */
export function releaseDate(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, 'UTC');
}
