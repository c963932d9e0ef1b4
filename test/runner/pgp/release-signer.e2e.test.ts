/**
 * Signing a Release as the runner does (real gpg): the same Release, key and epoch give the same
 * InRelease and Release.gpg bytes, for Ed25519 (passphrase-protected) and RSA keys; the signatures
 * verify with gpgv and carry the epoch as their creation time; an epoch before the key existed
 * fails with gpg's reason.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SigningConfig } from '../../../src/runner/build-json-reader';
import { BuildLog } from '../../../src/runner/log';
import { setupSigning, signRelease, Signer } from '../../../src/runner/pgp/release-signer';
import { ChildProcesses } from '../../../src/runner/proc';
import { runChecked, runCommand } from '../../support/run-build';
import { GeneratedKey, generateSigningKey, withGnupgHome } from '../../support/signing-key';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

const RELEASE = 'Origin: Test\nSuite: stable\nCodename: bookworm\nDate: Sat, 7 Oct 2023 09:46:21 UTC\nSHA256:\n 00 0 main/binary-amd64/Packages\n';

let root: string;
const homes: string[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-sign-'));
});

afterAll(async () => {
  for (const home of homes) await runCommand('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
  fs.rmSync(root, { recursive: true, force: true });
});

/** The key as the Secret mounts it, set up in a private home as the runner does. */
async function signerFor(key: GeneratedKey, name: string): Promise<Signer> {
  const secret = path.join(root, `${name}-secret`);
  fs.mkdirSync(secret);
  fs.writeFileSync(path.join(secret, 'key.asc'), key.privateKey);
  if (key.passphrase !== undefined) fs.writeFileSync(path.join(secret, 'pass'), key.passphrase);
  const config: SigningConfig = { mode: 'key', privateKeyFile: 'key.asc', passphraseFile: key.passphrase === undefined ? null : 'pass', fingerprint: key.fingerprint };
  // Short: gpg-agent's socket path must fit in 108 bytes.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mms-'));
  homes.push(home);
  const log = new BuildLog();
  jest.spyOn(log, 'step').mockImplementation(() => undefined);
  return (await setupSigning(config, { signingDir: secret, home }, log, procs))!;
}

function releaseDir(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'Release'), RELEASE);
  return dir;
}

describe.each([
  ['ed25519 with a passphrase', { passphrase: 'sign me' }],
  ['rsa3072 without one', { algorithm: 'rsa3072' as const }],
])('GIVEN an %s key', (name, options) => {
  test('THEN the same Release signed twice at one epoch gives the same bytes, verified by gpgv, created at the epoch', async () => {
    const key = await generateSigningKey({ userId: 'Sign Test <sign@mirror.example>', ...options });
    const signer = await signerFor(key, name.replace(/\W/g, ''));
    const epoch = signer.keyTime + 3600;
    const a = releaseDir(`${signer.fingerprint}-a`);
    const b = releaseDir(`${signer.fingerprint}-b`);
    await signRelease(signer, a, epoch);
    await signRelease(signer, b, epoch);
    for (const f of ['InRelease', 'Release.gpg']) expect(fs.readFileSync(path.join(b, f))).toEqual(fs.readFileSync(path.join(a, f)));
    expect(fs.readFileSync(path.join(a, 'InRelease'), 'utf8')).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n/);
    expect(fs.readFileSync(path.join(a, 'Release.gpg'), 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);

    const keyring = path.join(root, `${signer.fingerprint}.gpg`);
    await runChecked('gpg', ['--batch', '--no-default-keyring', '--keyring', keyring, '--import'], { input: key.publicKey, env: { ...process.env, GNUPGHOME: signer.gnupgHome } });
    await runChecked('gpgv', ['--keyring', keyring, path.join(a, 'InRelease')]);
    await runChecked('gpgv', ['--keyring', keyring, path.join(a, 'Release.gpg'), path.join(a, 'Release')]);
    const packets = await runChecked('gpg', ['--list-packets', path.join(a, 'Release.gpg')], { env: { ...process.env, GNUPGHOME: signer.gnupgHome } });
    expect(packets.stdout).toContain(`created ${epoch}`);

    // Another epoch: other signatures.
    const c = releaseDir(`${signer.fingerprint}-c`);
    await signRelease(signer, c, epoch + 1);
    expect(fs.readFileSync(path.join(c, 'Release.gpg'))).not.toEqual(fs.readFileSync(path.join(a, 'Release.gpg')));
  }, 120_000);
});

test('GIVEN an epoch before the key was created THEN signing fails with gpg\'s reason', async () => {
  const key = await generateSigningKey({ userId: 'Early <early@mirror.example>' });
  const signer = await signerFor(key, 'early');
  const dir = releaseDir('early');
  await expect(signRelease(signer, dir, signer.keyTime - 86400)).rejects.toThrow(
    new RegExp(`cannot write ${dir}/InRelease with the release signing key ${signer.fingerprint}: .*(in the future|Unusable secret key)`));
}, 60_000);

test('GIVEN a key created in 2020 that expired and was renewed THEN its time is the renewal (no signature predates the key\'s current binding), and gpgv verifies it', async () => {
  const key = await withGnupgHome(async env => {
    const pass = ['--pinentry-mode', 'loopback', '--passphrase', ''];
    await runChecked('gpg', ['--batch', '--faked-system-time', '20200101T000000', ...pass, '--quick-gen-key', 'Renewed <renewed@mirror.example>', 'ed25519', 'sign', '1d'], { env });
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec((await runChecked('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env })).stdout)![1];
    await runChecked('gpg', ['--batch', ...pass, '--quick-set-expire', fingerprint, '0'], { env });
    const privateKey = (await runChecked('gpg', ['--batch', ...pass, '--armor', '--export-secret-keys', fingerprint], { env })).stdout;
    const publicKey = (await runChecked('gpg', ['--batch', '--armor', '--export', fingerprint], { env })).stdout;
    return { privateKey, publicKey, fingerprint };
  });
  const before = Math.floor(Date.now() / 1000) - 5;
  const signer = await signerFor(key, 'renewed');
  expect(signer.keyTime).toBeGreaterThanOrEqual(before);
  const dir = releaseDir('renewed');
  await signRelease(signer, dir, signer.keyTime);
  const keyring = path.join(root, 'renewed.gpg');
  await runChecked('gpg', ['--batch', '--no-default-keyring', '--keyring', keyring, '--import'], { input: key.publicKey, env: { ...process.env, GNUPGHOME: signer.gnupgHome } });
  await runChecked('gpgv', ['--keyring', keyring, path.join(dir, 'InRelease')]);
}, 60_000);
