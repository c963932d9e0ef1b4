// Synth-time check of an upstream key file: it must parse as OpenPGP, hold at least one key and
// no secret key material (it lands in a ConfigMap). Armored text or a binary keyring, as is.
import { execFileSync } from 'child_process';
import * as path from 'path';

/** One key of an upstream key file. */
export interface KeyFileKey {
  readonly fingerprint: string;
  readonly subkeys: string[];
  readonly userIds: string[];
}

/** What the check learned about a key file. */
export interface KeyFileInfo {
  readonly armored: boolean;
  readonly keys: KeyFileKey[];
}

const ASSETS = path.join(__dirname, '..', '..', 'assets');
/** Debian's archive keyring, nine keys, is about 100 KiB; a key file ships in a ConfigMap. */
const MAX_KEY_FILE_BYTES = 512 * 1024;
const CHECKED = new Map<string, KeyFileInfo>();

/**
 * The problem with pinning `pin` to a key file holding `keys`, or undefined: as the build decides
 * it (src/runner/pgp/upstream-key.ts selectPinned), known at synth time for a key given as data.
 */
export function pinProblem(pin: string, keys: readonly KeyFileKey[], what: string): string | undefined {
  const primaries = keys.map(k => k.fingerprint);
  const carriers = keys.filter(k => k.subkeys.includes(pin)).map(k => k.fingerprint);
  if (!primaries.includes(pin) && carriers.length) return `pinned key ${pin} is only a subkey of ${carriers.join(' ')} in ${what}: the pin must name a primary key`;
  if (carriers.length) return `pinned key ${pin} is also a subkey of ${carriers.join(' ')} in ${what}: the key file mixes keys, refusing it`;
  if (!primaries.includes(pin)) return `pinned key ${pin} is not in ${what}, which holds ${primaries.join(' ')}: correct the pin or the key file`;
  return undefined;
}

/** The problem with the key file's bytes (`what` names it), or its keys. */
export function inspectKeyFile(bytes: Buffer, what: string): { info?: KeyFileInfo; problem?: string } {
  const id = bytes.toString('base64');
  const known = CHECKED.get(id);
  if (known) return { info: known };
  if (!bytes.length) return { problem: `${what} is empty: give the upstream's armored (.asc) or binary (.gpg) public key file` };
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    return { problem: `${what} is ${Math.ceil(bytes.length / 1024)} KiB, over the ${MAX_KEY_FILE_BYTES / 1024} KiB an upstream key file can take in a ConfigMap: is it the right file? keep only the archive's keys` };
  }
  const out = JSON.parse(execFileSync(process.execPath, [path.join(ASSETS, 'inspect-upstream-keys.cjs')], { input: bytes, encoding: 'utf8', timeout: 60_000 }));
  if (!out.ok) {
    return { problem: `${what} is not an OpenPGP public key file (${String(out.error).toLowerCase()}): give the upstream's armored (.asc) or binary keyring (.gpg) file` };
  }
  if (!out.keys.length) return { problem: `${what} holds no OpenPGP key: give the upstream's armored (.asc) or binary keyring (.gpg) file` };
  if (out.keys.some((k: { isPrivate: boolean }) => k.isPrivate)) {
    return { problem: `${what} holds secret key material: give only the public key (gpg --export), never a private key (it would be stored in a ConfigMap)` };
  }
  const keys = out.keys.map((k: KeyFileKey) => ({ fingerprint: k.fingerprint, subkeys: k.subkeys, userIds: k.userIds }));
  const info: KeyFileInfo = { armored: out.armored, keys };
  CHECKED.set(id, info);
  return { info };
}
