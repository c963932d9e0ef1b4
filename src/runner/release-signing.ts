// The release signing key from the Secret: imported into a private GNUPGHOME, checked by signing
// once before any download, so a wrong passphrase or an expired key fails in seconds.
import * as fs from 'fs';
import * as path from 'path';
import { SigningConfig } from './build-config';
import { parseKeyListing, SECRET_KEYS } from './key-listing';
import { BuildLog } from './log';
import { BuildError, run } from './proc';

export interface Signer {
  readonly gnupgHome: string;
  readonly fingerprint: string;
  readonly passphraseFile?: string;
}

export async function setupSigning(config: SigningConfig, signingDir: string, home: string, log: BuildLog): Promise<Signer | undefined> {
  if (config.mode === 'unsigned') {
    log.warn('************************************************************');
    log.warn('the mirror is published UNSIGNED (ReleaseSigning.insecureUnsigned).');
    log.warn('clients cannot authenticate it; never use it in production.');
    log.warn('************************************************************');
    log.step('signing: none (unsigned mirror)');
    return undefined;
  }
  const keyFile = path.join(signingDir, config.privateKeyFile);
  const passFile = config.passphraseFile ? path.join(signingDir, config.passphraseFile) : undefined;
  await fs.promises.access(keyFile, fs.constants.R_OK).catch(() => {
    throw new BuildError(`signing key file ${keyFile} is missing or unreadable`);
  });
  if (passFile) {
    await fs.promises.access(passFile, fs.constants.R_OK).catch(() => {
      throw new BuildError(`passphrase file ${passFile} is missing or unreadable`);
    });
  }
  await fs.promises.mkdir(home, { mode: 0o700, recursive: true });
  const env = { ...process.env, GNUPGHOME: home };
  const secret = await importSecretKeys(keyFile, env);
  let fingerprint = config.fingerprint;
  if (!fingerprint) {
    if (secret.length !== 1) throw new BuildError(`build.json has no signing.fingerprint and ${keyFile} holds several keys`);
    fingerprint = secret[0];
  } else if (!secret.includes(fingerprint)) {
    throw new BuildError(`the signing key in ${keyFile} is not ${fingerprint} (it holds: ${secret.join(' ')})`);
  }
  await checkCanSign(fingerprint, passFile, home, env);
  log.step(`signing: release key ${fingerprint} ready`);
  return { gnupgHome: home, fingerprint, passphraseFile: passFile };
}

/** Imports the key file into the signing GNUPGHOME; returns the fingerprints of its secret keys. */
async function importSecretKeys(keyFile: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const imported = await run('gpg', ['--batch', '--quiet', '--import', keyFile], { env });
  if (imported.code !== 0) {
    throw new BuildError(`cannot import the signing key from ${keyFile}: ${imported.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  const listed = await run('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env });
  const secret = parseKeyListing(listed.stdout, SECRET_KEYS).map(key => key[0]);
  if (!secret.length) throw new BuildError(`no secret key found in ${keyFile}`);
  return secret;
}

/** Signs once, so that a wrong passphrase or an expired key fails now, saying which. */
async function checkCanSign(fingerprint: string, passFile: string | undefined, home: string, env: NodeJS.ProcessEnv): Promise<void> {
  const passArgs = passFile ? ['--passphrase-file', passFile] : ['--passphrase', ''];
  const signed = await run('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...passArgs,
    '--local-user', fingerprint, '--detach-sign', '--yes', '--output', path.join(home, 'check.sig')], { env, input: 'mini-mirror signing check\n' });
  if (signed.code !== 0) {
    if (/bad passphrase/i.test(signed.stderr)) throw new BuildError(`cannot sign with the release signing key ${fingerprint}: wrong passphrase`);
    const keys = await run('gpg', ['--batch', '--with-colons', '--list-keys', fingerprint], { env });
    const expired = keys.stdout.split('\n').some(l => {
      const f = l.split(':');
      return (f[0] === 'pub' || f[0] === 'sub') && f[1] === 'e' && /s/.test(f[11] ?? '');
    });
    if (expired) {
      throw new BuildError(`cannot sign with the release signing key ${fingerprint}: it has expired in the Secret; extend it (gpg --quick-set-expire), then update the Secret and the public key`);
    }
    throw new BuildError(`cannot sign with the release signing key ${fingerprint} (passphrase missing or wrong?)`);
  }
}
