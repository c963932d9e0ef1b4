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

/** The first user id of each primary key in gpg's colon listing, by primary fingerprint. */
export function parseKeyUids(colons: string, records: KeyRecords = PUBLIC_KEYS): Record<string, string> {
  const uids: Record<string, string> = {};
  let primary: string | undefined;
  let wantFpr = false;
  for (const line of colons.split('\n')) {
    const f = line.split(':');
    if (f[0] === records.primary) {
      primary = undefined;
      wantFpr = true;
    } else if (f[0] === records.sub) {
      wantFpr = false;
    } else if (f[0] === 'fpr' && wantFpr) {
      primary = f[9];
      wantFpr = false;
    } else if (f[0] === 'uid' && primary && !(primary in uids) && f[9]) {
      // gpg escapes ':' and control characters as \xNN; a uid is shown, never run.
      uids[primary] = f[9].replace(/\\x([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))).replace(/[\p{Cc}]/gu, '?');
    }
  }
  return uids;
}
