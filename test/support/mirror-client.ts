/** An apt client of the served bookworm mirror, and downloads through it that fail loudly. */
import * as fs from 'fs';
import * as path from 'path';
import { AptClient } from './apt-client';

/** What fails a download: a 404, an error line. */
export const APT_FAILED = /\b404\b|^(E|Err):/m;
/** As APT_FAILED, and a warning line too. */
export const APT_FAILED_OR_WARNED = /\b404\b|^(E|Err|W):/m;

/** A client with the mirror's `debian` bookworm main as its only source, signed by `signedBy`. */
export function mirrorClient(nginxUrl: string, signedBy: string): Promise<AptClient> {
  return AptClient.create([{ uri: `${nginxUrl}/debian`, suite: 'bookworm', components: ['main'], signedBy }]);
}

/**
 * `apt-get install --download-only` of `packages` after emptying the cache: the .debs really come
 * from the mirror. Throws on any failure (a 404 is one) or a line matching `failOn`; returns the
 * .deb file names in the cache, sorted.
 */
export async function downloadDebs(c: AptClient, packages: string[], failOn: RegExp = APT_FAILED): Promise<string[]> {
  await c.apt('apt-get', ['clean']);
  const r = await c.apt('apt-get', ['install', '--download-only', '-y', '--no-install-recommends', ...packages]);
  const out = r.stdout + r.stderr;
  if (r.exitCode !== 0 || failOn.test(out)) throw new Error(`apt-get install ${packages.join(' ')} failed (exit ${r.exitCode}):\n${out}`);
  return fs.readdirSync(path.join(c.root, 'var/cache/apt/archives')).filter(f => f.endsWith('.deb')).sort();
}
