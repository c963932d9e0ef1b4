// gpgv's machine-readable verdict (`--status-fd`, gnupg's doc/DETAILS), read per signature, and
// the rule apt applies to it (methods/gpgv.cc): the exit code alone is no verdict, since gpgv
// exits 0 on a revoked or expired key.

/** What gpgv said about one signature of a file (one `NEWSIG` block). */
export interface SignatureStatus {
  readonly kind: 'good' | 'bad' | 'expired-signature' | 'expired-key' | 'revoked-key' | 'error' | 'malformed';
  /** The key id (or fingerprint) of the result line (GOODSIG, BADSIG, ERRSIG, ...). */
  readonly keyId: string;
  /** VALIDSIG's first field: the key (or subkey) that made the signature. */
  readonly signingFingerprint?: string;
  /** VALIDSIG's last field: the primary key of the signing key; else the fingerprint ERRSIG or KEY_CONSIDERED named. */
  readonly primaryFingerprint?: string;
  /** VALIDSIG's hash algorithm (RFC 4880 id). */
  readonly digestAlgorithm?: number;
  /** VALIDSIG's signature expiry, seconds since the epoch (0: none). */
  readonly signatureExpires?: number;
  /** KEYEXPIRED's time, seconds since the epoch. */
  readonly keyExpired?: number;
  /** ERRSIG's return code (9: no public key, 4: unknown algorithm). */
  readonly errorCode?: number;
}

const RESULTS: Record<string, SignatureStatus['kind']> = {
  GOODSIG: 'good',
  BADSIG: 'bad',
  EXPSIG: 'expired-signature',
  EXPKEYSIG: 'expired-key',
  REVKEYSIG: 'revoked-key',
  ERRSIG: 'error',
};

/** Status lines that say the file itself is broken (not one signature's verdict). */
const MALFORMED = new Set(['ERROR', 'NODATA', 'BADARMOR', 'FAILURE']);

/** The signatures gpgv reported, in the file's order. Lines other than `[GNUPG:] ` ones are ignored. */
export function parseGpgvStatus(text: string): SignatureStatus[] {
  const reader = new StatusReader();
  for (const line of text.split('\n')) {
    if (!line.startsWith('[GNUPG:] ')) continue;
    const [keyword, ...f] = line.slice('[GNUPG:] '.length).trim().split(' ');
    reader.read(keyword, f);
  }
  reader.flush();
  return reader.sigs;
}

type Draft = { -readonly [K in keyof SignatureStatus]?: SignatureStatus[K] };

/** gpgv's status lines, one at a time: the signature being read, and those read so far. */
class StatusReader {
  public readonly sigs: SignatureStatus[] = [];
  private block: Draft = {};
  private considered: string | undefined;

  public flush(): void {
    if (this.block.kind) this.sigs.push({ ...this.block, primaryFingerprint: this.block.primaryFingerprint ?? this.considered } as SignatureStatus);
    this.block = {};
    this.considered = undefined;
  }

  public read(keyword: string, f: string[]): void {
    const block = this.block;
    if (keyword === 'NEWSIG') {
      this.flush();
    } else if (keyword === 'KEY_CONSIDERED') {
      this.considered = f[0];
    } else if (keyword === 'KEYEXPIRED') {
      block.keyExpired = Number(f[0]);
    } else if (keyword in RESULTS) {
      this.result(keyword, f);
    } else if (MALFORMED.has(keyword)) {
      // The file is not (only) what the signatures cover, e.g. a second clearsigned block after
      // the first: apt refuses it, whatever the good signatures say.
      this.flush();
      this.sigs.push({ kind: 'malformed', keyId: [keyword, ...f].join(' ') } as SignatureStatus);
    } else if (keyword === 'VALIDSIG') {
      block.signingFingerprint = f[0];
      block.signatureExpires = Number(f[3]);
      block.digestAlgorithm = Number(f[7]);
      block.primaryFingerprint = f[9] ?? f[0];
    }
  }

  private result(keyword: string, f: string[]): void {
    // gpg without NEWSIG (older versions): a second result line starts the next signature.
    if (this.block.kind) this.flush();
    const block = this.block;
    block.kind = RESULTS[keyword];
    block.keyId = f[0];
    if (keyword === 'ERRSIG') {
      block.errorCode = Number(f[5]);
      if (f[6]) block.primaryFingerprint = f[6];
    }
  }
}

/** The hash algorithms apt trusts in a signature (apt's Digests table: MD5, SHA1, RIPE-MD/160 are not). */
export function trustedDigest(id: number | undefined): boolean {
  return id !== undefined && id >= 4 && id <= 11;
}

const DIGEST_NAMES: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 3: 'RIPE-MD/160' };

/** The keys a source trusts, and what its key_url served (to say why another key is not trusted). */
export interface AllowedKeys {
  /** Primary fingerprints whose signatures count. */
  readonly primaries: readonly string[];
  /** Every key key_url served: primary first, then its subkeys. */
  readonly served: readonly (readonly string[])[];
  /** Whether the primaries were chosen by a pin (words the message). */
  readonly pinned: boolean;
  /** The first user id of the served primary keys that have one, to name them in the log. */
  readonly uids?: Readonly<Record<string, string>>;
  /** Where the keys came from, in messages. @default 'key_url' */
  readonly from?: string;
}

export type SignatureVerdict =
  | { readonly ok: true; readonly primary: string; readonly signing: string; readonly ignored: string[] }
  | { readonly ok: false; readonly reasons: string[] };

/**
 * apt's rule: the file is good when at least one signature is good (a GOODSIG with a VALIDSIG in
 * a trusted digest, by an allowed primary key) and none is bad (BADSIG). A signature by a key the
 * client lacks, an expired or revoked key or an expired signature does not spoil the others:
 * Debian signs with several keys and a client may trust only one of them.
 */
export function judgeSignatures(sigs: readonly SignatureStatus[], allowed: AllowedKeys): SignatureVerdict {
  const good: SignatureStatus[] = [];
  const reasons: string[] = [];
  const bad: string[] = [];
  for (const s of sigs) {
    if (s.kind === 'good' && s.primaryFingerprint && s.signingFingerprint && allowed.primaries.includes(s.primaryFingerprint)) {
      if (trustedDigest(s.digestAlgorithm)) good.push(s);
      else reasons.push(`the signature by ${s.primaryFingerprint} uses the weak digest ${DIGEST_NAMES[s.digestAlgorithm ?? 0] ?? `#${s.digestAlgorithm}`}`);
    } else if (s.kind === 'bad') {
      bad.push(`bad signature by ${s.primaryFingerprint ?? s.keyId}: the file was changed after it was signed, or the signature is forged`);
    } else if (s.kind === 'malformed') {
      bad.push(`gpgv reports the file malformed (${s.keyId}): it carries more than its signed text, or is damaged`);
    } else {
      reasons.push(describe(s, allowed));
    }
  }
  if (bad.length) return { ok: false, reasons: [...bad, ...reasons] };
  if (!good.length) return { ok: false, reasons: reasons.length ? reasons : ['the file carries no signature'] };
  return { ok: true, primary: good[0].primaryFingerprint!, signing: good[0].signingFingerprint!, ignored: reasons };
}

/** Why a signature that is not good does not count, in words, with what to do. */
function describe(s: SignatureStatus, allowed: AllowedKeys): string {
  const fpr = s.primaryFingerprint ?? s.keyId;
  switch (s.kind) {
    case 'revoked-key': return `signed by a revoked key ${fpr} (the upstream must sign with its new key: check its announcement, then key_url and the pin)`;
    case 'expired-key': return `the key ${fpr} expired${s.keyExpired ? ` on ${isoDate(s.keyExpired)}` : ''} (key_url may serve an old copy: give it the upstream's renewed key)`;
    case 'expired-signature': return `the signature by ${fpr} expired${s.signatureExpires ? ` on ${isoDate(s.signatureExpires)}` : ''} (a stale Release: the upstream must sign it again)`;
    case 'error':
      if (s.errorCode !== 9) return `the signature by ${fpr} cannot be checked (gpgv error ${s.errorCode}, e.g. an unsupported algorithm)`;
      return notAllowed(fpr, allowed);
    default: return notAllowed(fpr, allowed);
  }
}

/** A signature by a key outside the keyring: one key_url did not serve, or one the pin left out. */
function notAllowed(fpr: string, allowed: AllowedKeys): string {
  const owner = allowed.served.find(k => k.some(f => f === fpr || f.endsWith(fpr)));
  if (!owner) return `signed by ${fpr}, which ${allowed.from ?? 'key_url'} does not provide`;
  const primary = owner[0];
  const which = primary.endsWith(fpr) ? primary : `${fpr} (a subkey of ${primary})`;
  return allowed.pinned ? `signed by ${which}, which is not pinned` : `signed by ${which}, which is not trusted`;
}

function isoDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}
