// gpg's colon listings (`--with-colons`), read the same way for public and secret keys.

/** The record types of a listing: `pub`/`sub` for public keys, `sec`/`ssb` for secret ones. */
export interface KeyRecords {
  readonly primary: string;
  readonly sub: string;
}

export const PUBLIC_KEYS: KeyRecords = { primary: 'pub', sub: 'sub' };
export const SECRET_KEYS: KeyRecords = { primary: 'sec', sub: 'ssb' };

/** Primary keys in gpg's colon listing, each with its subkey fingerprints (primary first). */
export function parseKeyListing(colons: string, records: KeyRecords = PUBLIC_KEYS): string[][] {
  const keys: string[][] = [];
  let want = false;
  for (const line of colons.split('\n')) {
    const f = line.split(':');
    if (f[0] === records.primary) {
      keys.push([]);
      want = true;
    } else if (f[0] === records.sub) {want = true;} else if (f[0] === 'fpr' && want && keys.length) {
      keys[keys.length - 1].push(f[9]);
      want = false;
    }
  }
  return keys.filter(k => k.length);
}
