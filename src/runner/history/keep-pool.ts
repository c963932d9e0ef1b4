// The previous build's pool files, kept for one generation: while the new image rolls out, a
// client that still holds the previous build's lists asks for the files those lists name; without
// them it hits 404 mid-rollout. They are not listed in the new indexes. Each is fetched from the
// previous served mirror (next to its manifest.json) and checked against the manifest's SHA256.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { BuildLog, humanBytes } from '../log';
import { PreviousBuild } from './previous-build';
import { plural } from '../../util/plural';
import { pool } from '../proc';

const TIMEOUT_MS = 60_000;
const CONCURRENCY = 4;

/** What came of keeping the previous pool: files added, already present, and not kept (with why). */
export interface KeptPool {
  readonly added: number;
  readonly bytes: number;
  readonly present: number;
  readonly missing: string[];
}

/**
 * Adds to `stage` every pool file the previous build's manifest lists that the stage lacks. A file
 * that cannot be fetched or does not match its SHA256 is left out with a warning: the new build
 * is complete without it, only a client one build behind would miss it.
 */
export async function keepPreviousPool(stage: string, previous: PreviousBuild, location: string, log: BuildLog): Promise<KeptPool> {
  let added = 0;
  let bytes = 0;
  let present = 0;
  const missing: string[] = [];
  await pool([...poolFiles(previous)], CONCURRENCY, async ([rel, want]) => {
    const to = path.join(stage, rel);
    if (fs.existsSync(to)) {
      present++;
      return;
    }
    const data = await fetchChecked(location, rel, want);
    if (typeof data === 'string') {
      missing.push(`${rel} (${data})`);
      return;
    }
    await fs.promises.mkdir(path.dirname(to), { recursive: true });
    await fs.promises.writeFile(to, data);
    added++;
    bytes += data.length;
  });
  if (added) log.step(`kept ${plural(added, 'pool file')} of the previous build (${humanBytes(bytes)}) for clients one build behind`);
  if (missing.length) {
    log.warn(`${plural(missing.length, 'pool file')} of the previous build not kept, a client one build behind that asks for them gets 404: `
      + `${missing.slice(0, 5).join('; ')}${missing.length > 5 ? '; ...' : ''}`);
  }
  return { added, bytes, present, missing };
}

/** The pool files the previous manifest lists, by path in the tree, with their SHA256 and size. */
function poolFiles(previous: PreviousBuild): Map<string, { sha256: string; size: number }> {
  const wanted = new Map<string, { sha256: string; size: number }>();
  for (const p of previous.manifest.packages as ReadonlyArray<{ prefix: string; filename?: string; sha256?: string; size?: number }>) {
    if (!p.filename || !p.sha256 || !/^[0-9a-f]{64}$/.test(p.sha256)) continue;
    const rel = path.posix.normalize(`${p.prefix}/${p.filename}`);
    // Only pool files, and nothing that climbs out of the tree (the manifest is input).
    if (rel.startsWith('..') || path.posix.isAbsolute(rel) || !rel.split('/').includes('pool')) continue;
    wanted.set(rel, { sha256: p.sha256, size: p.size ?? 0 });
  }
  return wanted;
}

/** The file's content when it can be read and matches its SHA256; otherwise why not. */
async function fetchChecked(location: string, rel: string, want: { sha256: string; size: number }): Promise<Buffer | string> {
  let data: Buffer;
  try {
    data = await read(location, rel, want.size);
  } catch (e) {
    return (e as Error).message;
  }
  const got = crypto.createHash('sha256').update(data).digest('hex');
  return got === want.sha256 ? data : `SHA256 ${got}, the previous manifest says ${want.sha256}`;
}

/** The file `rel` of the mirror whose manifest.json is at `location` (a URL or a file). */
function read(location: string, rel: string, size: number): Promise<Buffer> {
  if (!/^https?:\/\//i.test(location)) return fs.promises.readFile(path.join(path.dirname(location), rel));
  const url = new URL(rel.split('/').map(encodeURIComponent).join('/'), location).toString();
  return new Promise((resolve, reject) => {
    const get = url.toLowerCase().startsWith('https:') ? https.get : http.get;
    const req = get(url, { timeout: TIMEOUT_MS }, res => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let got = 0;
      res.on('data', (c: Buffer) => {
        // No more than the manifest says: a bound against a hostile or broken server.
        got += c.length;
        if (size > 0 && got > size) req.destroy(new Error(`larger than the ${size} bytes the previous manifest says`));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
  });
}
