// Synth-time check of an upstream key file: it must parse as OpenPGP, hold at least one key and
// no secret key material (it lands in a ConfigMap). Armored text or a binary keyring, as is.
import { execFileSync } from 'child_process';
import * as path from 'path';

/** One key of an upstream key file. */
export interface KeyFileKey {
  readonly fingerprint: string;
  readonly userIds: string[];
}

/** What the check learned about a key file. */
export interface KeyFileInfo {
  readonly armored: boolean;
  readonly keys: KeyFileKey[];
}

const ASSETS = path.join(__dirname, '..', '..', 'assets');
const CHECKED = new Map<string, KeyFileInfo>();

/** The problem with the key file's bytes (`what` names it), or its keys. */
export function inspectKeyFile(bytes: Buffer, what: string): { info?: KeyFileInfo; problem?: string } {
  const id = bytes.toString('base64');
  const known = CHECKED.get(id);
  if (known) return { info: known };
  if (!bytes.length) return { problem: `${what} is empty: give the upstream's armored (.asc) or binary (.gpg) public key file` };
  const out = JSON.parse(execFileSync(process.execPath, [path.join(ASSETS, 'inspect-upstream-keys.cjs')], { input: bytes, encoding: 'utf8', timeout: 60_000 }));
  if (!out.ok) {
    return { problem: `${what} is not an OpenPGP public key file (${String(out.error).toLowerCase()}): give the upstream's armored (.asc) or binary keyring (.gpg) file` };
  }
  if (!out.keys.length) return { problem: `${what} holds no OpenPGP key: give the upstream's armored (.asc) or binary keyring (.gpg) file` };
  if (out.keys.some((k: { isPrivate: boolean }) => k.isPrivate)) {
    return { problem: `${what} holds secret key material: give only the public key (gpg --export), never a private key (it would be stored in a ConfigMap)` };
  }
  const info: KeyFileInfo = { armored: out.armored, keys: out.keys.map((k: KeyFileKey) => ({ fingerprint: k.fingerprint, userIds: k.userIds })) };
  CHECKED.set(id, info);
  return { info };
}
