import * as fs from 'fs';
import * as path from 'path';
import { runChecked } from './run-build';
import { fingerprintsOf, GeneratedKey, withGnupgHome } from './signing-key';

/**
 * Keys an adversarial upstream serves, made with real gpg: revoked, expired, one that signs with
 * an expiry, and a "chimera" that carries someone else's public key as its subkey. Each holds
 * the armored secret key to sign with (the upstream's side) and the public key it serves.
 */

const PAST = '20200101T000000';

interface KeyOptions {
  /** gpg --faked-system-time for the key's creation. @default now */
  readonly createdAt?: string;
  /** @default '0' (never) */
  readonly expire?: string;
}

/** A key whose served public key carries its revocation (the secret key still signs). */
export async function revokedKey(userId = 'Revoked Archive <revoked@archive.example>'): Promise<GeneratedKey> {
  return makeKey(userId, {}, async (env, home, fpr) => {
    const cert = await fs.promises.readFile(path.join(home, 'openpgp-revocs.d', `${fpr}.rev`), 'utf8');
    // gpg writes the certificate with a ':' in front of its armor line so it is not imported by mistake.
    await runChecked('gpg', ['--batch', '--import'], { env, input: cert.replace(/^:-----BEGIN/m, '-----BEGIN') });
  });
}

/** A key created on 2020-01-01 that expired a day later; sign with `signedAt: EXPIRED_KEY_SIGNED_AT`. */
export async function expiredKey(userId = 'Expired Archive <expired@archive.example>'): Promise<GeneratedKey> {
  return makeKey(userId, { createdAt: PAST, expire: '1d' });
}
export const EXPIRED_KEY_SIGNED_AT = '20200101T010000';

/** A key created on 2020-01-01 without expiry: signs in the past, e.g. with a signature expiry. */
export async function pastKey(userId = 'Old Archive <old@archive.example>'): Promise<GeneratedKey> {
  return makeKey(userId, { createdAt: PAST });
}

/**
 * The attacker's own key, with `victim`'s public key bound as an authentication-only subkey by
 * the attacker's signature alone (no signature of the victim's key is needed for that: anyone
 * can make it from a published key). Made with gpg --expert's "existing key"; gpg needs the
 * victim's key material for that, which the test has, an attacker would use other tools.
 */
export async function chimeraKey(victim: GeneratedKey, userId = 'Attacker <attacker@evil.example>'): Promise<GeneratedKey> {
  return withGnupgHome(async (env) => {
    await runChecked('gpg', ['--batch', '--import'], { env, input: victim.privateKey });
    const victimListing = (await runChecked('gpg', ['--batch', '--with-colons', '--with-keygrip', '--list-secret-keys', victim.fingerprint], { env })).stdout;
    const created = victimListing.split('\n').find(l => l.startsWith('sec:'))!.split(':')[5];
    const keygrip = victimListing.split('\n').find(l => l.startsWith('grp:'))!.split(':')[9];
    // gpg ignores a faked time equal to the clock's (no freeze then: the next second leaks in), so
    // wait until the victim key's creation second has passed.
    while (Date.now() / 1000 < Number(created) + 2) await new Promise(r => setTimeout(r, 250));
    // Created at the victim key's time too: the binding below runs at that time, and gpg refuses a primary from its future.
    await runChecked('gpg', ['--batch', '--faked-system-time', `${created}!`, '--pinentry-mode', 'loopback', '--passphrase', '',
      '--quick-gen-key', userId, 'ed25519', 'sign', '0'], { env });
    const all = fingerprintsOf((await runChecked('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env })).stdout);
    const attacker = all.find(f => f !== victim.fingerprint)!;
    // The subkey's fingerprint covers its creation time: bind it with the victim key's own.
    // Commands: add key, (13) existing key, keygrip, toggle off sign, toggle on auth, finish, no expiry.
    await runChecked('gpg', ['--batch', '--expert', '--pinentry-mode', 'loopback', '--passphrase', '', '--faked-system-time', `${created}!`,
      '--command-fd', '0', '--edit-key', attacker], { env, input: ['addkey', '13', keygrip, 'S', 'A', 'Q', '0', 'save', ''].join('\n') });
    const listing = (await runChecked('gpg', ['--batch', '--with-colons', '--list-keys', attacker], { env })).stdout;
    if (!listing.includes(`fpr:::::::::${victim.fingerprint}:`)) throw new Error(`the chimera key lacks the victim's subkey:\n${listing}`);
    const secret = await runChecked('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', `${attacker}!`], { env });
    const pub = await runChecked('gpg', ['--batch', '--armor', '--export', attacker], { env });
    return { privateKey: secret.stdout, publicKey: pub.stdout, fingerprint: attacker };
  });
}

export interface SignOptions {
  /** gpg --faked-system-time for the signature, e.g. '20200102T000000'. @default now */
  readonly signedAt?: string;
  /** gpg --default-sig-expire, e.g. '1d'. @default none */
  readonly expire?: string;
}

/** `text` clearsigned (an InRelease) by each key in turn, one signature per key. */
export async function clearsign(text: string, keys: readonly GeneratedKey[], options: SignOptions = {}): Promise<string> {
  return sign(text, keys, options, ['--clearsign']);
}

/** An armored detached signature (a Release.gpg). */
export async function detachSign(text: string, keys: readonly GeneratedKey[], options: SignOptions = {}): Promise<string> {
  return sign(text, keys, options, ['--detach-sign', '--armor']);
}

async function sign(text: string, keys: readonly GeneratedKey[], options: SignOptions, mode: string[]): Promise<string> {
  return withGnupgHome(async (env) => {
    for (const k of keys) await runChecked('gpg', ['--batch', '--import'], { env, input: k.privateKey });
    const args = ['--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--digest-algo', 'SHA512',
      ...(options.signedAt ? ['--faked-system-time', `${options.signedAt}!`, '--ignore-time-conflict'] : []),
      ...(options.expire ? ['--default-sig-expire', options.expire] : []),
      ...keys.flatMap(k => ['--local-user', `${k.fingerprint}!`]), ...mode];
    return (await runChecked('gpg', args, { env, input: text })).stdout;
  });
}

async function makeKey(userId: string, options: KeyOptions,
  afterExport?: (env: NodeJS.ProcessEnv, home: string, fingerprint: string) => Promise<void>): Promise<GeneratedKey> {
  return withGnupgHome(async (env, home) => {
    const time = options.createdAt ? ['--faked-system-time', options.createdAt] : [];
    const pass = ['--pinentry-mode', 'loopback', '--passphrase', ''];
    await runChecked('gpg', ['--batch', ...time, ...pass, '--quick-gen-key', userId, 'ed25519', 'sign', options.expire ?? '0'], { env });
    const fingerprint = fingerprintsOf((await runChecked('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env })).stdout)[0];
    const secret = await runChecked('gpg', ['--batch', ...pass, '--armor', '--export-secret-keys', fingerprint], { env });
    await afterExport?.(env, home, fingerprint);
    const pub = await runChecked('gpg', ['--batch', '--armor', '--export', fingerprint], { env });
    return { privateKey: secret.stdout, publicKey: pub.stdout, fingerprint };
  });
}

/** One more signature of a clearsigned file. */
export interface ExtraSignature {
  readonly key: GeneratedKey;
  readonly sign?: SignOptions;
  /** Made over other text: gpgv reports BADSIG for it. @default false */
  readonly forged?: boolean;
}

/**
 * `signed` (a clearsigned file) with more signatures over the same text, each made on its own
 * (its own time, e.g. an expired key's) or over other text (forged): what a multi-signed
 * InRelease with a stale or tampered signature looks like. gpg cannot make these at once, so
 * the signature packets are joined and armored here.
 */
export async function addSignatures(signed: string, text: string, extra: readonly ExtraSignature[]): Promise<string> {
  const packets = [dearmorSignature(signed)];
  for (const e of extra) packets.push(dearmorSignature(await clearsign(e.forged ? `${text}Forged: yes\n` : text, [e.key], e.sign)));
  return signed.replace(SIGNATURE_BLOCK, armorSignature(Buffer.concat(packets)));
}

const SIGNATURE_BLOCK = /-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----/;

function dearmorSignature(signed: string): Buffer {
  const block = SIGNATURE_BLOCK.exec(signed)![0].split('\n');
  const body = block.slice(block.indexOf('') + 1).filter(l => l && !l.startsWith('=') && !l.startsWith('-----'));
  return Buffer.from(body.join(''), 'base64');
}

/** Armor without the optional checksum line (RFC 4880 6.2; gpg and apt read it). */
function armorSignature(data: Buffer): string {
  const lines = data.toString('base64').match(/.{1,64}/g)!;
  return ['-----BEGIN PGP SIGNATURE-----', '', ...lines, '-----END PGP SIGNATURE-----'].join('\n');
}
