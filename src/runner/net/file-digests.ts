// Checksums of many package files: node's (OpenSSL's, with the CPU's SHA extensions: 1.3 GB/s for
// SHA256 here, against 0.23 GB/s for coreutils' sha256sum), each file read once for all the
// algorithms it needs, a few files at a time (each read holds a 1 MiB buffer).
import * as crypto from 'crypto';
import * as fs from 'fs';
import { CHECKSUM_FIELDS } from './package-checksums';
import { pool } from '../proc';

const ALGORITHMS = new Map(CHECKSUM_FIELDS.map(([field, algo]) => [field, algo]));

/** Files read at once. */
const PARALLEL = 8;

/** The checksums (field -> lower-case hex) of each file, for the fields asked for it (MD5sum, SHA1, SHA256, SHA512). */
export async function fileDigests(wanted: ReadonlyMap<string, ReadonlySet<string>>): Promise<Map<string, Map<string, string>>> {
  const result = new Map<string, Map<string, string>>();
  await pool([...wanted], PARALLEL, async ([file, fields]) => {
    const hashes = [...fields].map(field => [field, crypto.createHash(ALGORITHMS.get(field)!)] as const);
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) for (const [, h] of hashes) h.update(chunk as Buffer);
    result.set(file, new Map(hashes.map(([field, h]) => [field, h.digest('hex')])));
  });
  return result;
}
