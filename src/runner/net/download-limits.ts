// Bounds of every download: a floor rate below which a transfer counts as stalled, an overall
// time bound from the expected size, and a byte cap. Until a file is authenticated its size is
// only a guess: the caps below bound what a hostile or broken upstream can make us read.

const MIB = 1024 * 1024;

/**
 * The floor rate, bytes/s: a transfer slower than this for the whole stall timeout is stalled
 * (curl `--speed-limit`). 1 KiB/s: a drip that keeps a connection alive is not progress, and no
 * upstream worth mirroring from is that slow for minutes.
 */
export const FLOOR_BYTES_PER_SECOND = 1024;

/** Connecting (TCP, TLS, a proxy) may take this long (curl `--connect-timeout`). */
export const CONNECT_SECONDS = 30;

/**
 * key_url: Debian's archive keyring (every current archive key) is about 100 KiB; an armored
 * file of a few dozen keys stays below 1 MiB.
 */
export const KEY_URL_CAP = 4 * MIB;

/** InRelease and Release: Debian's and Ubuntu's list thousands of files in about 300 KiB. */
export const RELEASE_CAP = 32 * MIB;

/** Release.gpg: a detached signature (a few of them) is a few KiB. */
export const SIGNATURE_CAP = 1 * MIB;

/**
 * A file no verified list gives a size for (an index guessed before the Release is verified):
 * the largest Packages.gz of Debian and Ubuntu (universe) are about 20 MiB.
 */
export const UNLISTED_CAP = 128 * MIB;

/** What a download may be, and why. */
export interface DownloadLimits {
  /** Bytes at most: a larger body is refused, and not retried. */
  readonly maxBytes: number;
  /** The size a verified list gives (Release for indexes, Packages for .debs), when there is one. */
  readonly size?: number;
  /** The error for a larger body. @default "<url> is larger than <maxBytes>" */
  readonly tooLarge?: string;
}

/** The overall bound of one transfer, seconds: connect, one stall, then the size at the floor rate. */
export function maxSeconds(limits: DownloadLimits, stallSeconds: number): number {
  return CONNECT_SECONDS + stallSeconds + Math.ceil((limits.size ?? limits.maxBytes) / FLOOR_BYTES_PER_SECOND);
}

/** `4 MiB`, `1.5 KiB`, `700 bytes`. */
export function sizeText(bytes: number): string {
  if (bytes >= MIB) return `${+(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** A transfer rate for messages: `2 bytes/s`, `0.9 KiB/s`. */
export function rateText(bytes: number, seconds: number): string {
  const rate = seconds > 0 ? bytes / seconds : 0;
  return rate >= 1024 ? `${+(rate / 1024).toFixed(1)} KiB/s` : `${+rate.toFixed(1)} bytes/s`;
}

/** Limits of the files of an upstream archive by their name, when no verified list gives a size. */
export function unlistedLimits(rel: string): DownloadLimits {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (base === 'InRelease' || base === 'Release') return { maxBytes: RELEASE_CAP };
  if (base === 'Release.gpg') return { maxBytes: SIGNATURE_CAP };
  return { maxBytes: UNLISTED_CAP };
}
