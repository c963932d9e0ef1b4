// The release signing key from the Secret: imported into a private GNUPGHOME, checked by signing
// once while upstream keys and Releases download and before any package does (main.ts), so a
// wrong passphrase or an expired key fails in seconds. That check
// is the build's one unlock: the private agent keeps the passphrase for the build's lifetime and
// every Release is then signed without it (the passphrase is read by that one gpg process, from
// the Secret's file, never from argv or env).
import * as fs from 'fs';
import * as path from 'path';
import { SigningConfig } from '../build-json-reader';
import { parseKeyListing, SECRET_KEYS } from './key-listing';
import { BuildLog } from '../log';
import { BuildError, ChildProcesses, ProcOptions, ProcResult } from '../proc';

export interface Signer {
  readonly gnupgHome: string;
  readonly fingerprint: string;
  /**
   * The key's own time (seconds): its newest creation or self-signature. gpg cannot sign with a
   * faked time before it, so the build's epoch is never earlier.
   */
  readonly keyTime: number;
  /** The build's child processes, which gpg runs among. */
  readonly procs: ChildProcesses;
}

/** Where the signing key is read from and imported to. */
export interface SigningPlaces {
  /** The Secret's mount: the key file and the passphrase file. */
  readonly signingDir: string;
  /** The private GNUPGHOME to import into. */
  readonly home: string;
}

/** gpg in the signing GNUPGHOME, among the build's child processes. */
type Gpg = (args: readonly string[], options?: ProcOptions) => Promise<ProcResult>;

function gpgIn(home: string, procs: ChildProcesses): Gpg {
  const env = { ...process.env, GNUPGHOME: home };
  return (args, options = {}) => procs.run('gpg', args, { env, ...options });
}

/**
 * The private agent's settings. The key is re-protected on import with the smallest S2K count
 * (unlocking costs microseconds instead of one S2K derivation per signature, about a second on a
 * busy node): it lives only in this memory-backed home, next to an agent that holds the
 * passphrase anyway, and both go when the build ends. The cache outlives any build (the agent is
 * killed at the end), so the passphrase is given once.
 */
const AGENT_CONF = ['s2k-count 65536', 'default-cache-ttl 31536000', 'max-cache-ttl 31536000', ''].join('\n');

export async function setupSigning(config: SigningConfig, places: SigningPlaces, log: BuildLog, procs: ChildProcesses): Promise<Signer | undefined> {
  if (config.mode === 'unsigned') {
    log.warn('************************************************************');
    log.warn('the mirror is published UNSIGNED (ReleaseSigning.insecureUnsigned).');
    log.warn('clients cannot authenticate it; never use it in production.');
    log.warn('************************************************************');
    log.step('signing: none (unsigned mirror)');
    return undefined;
  }
  const { signingDir, home } = places;
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
  await fs.promises.writeFile(path.join(home, 'gpg-agent.conf'), AGENT_CONF, { mode: 0o600 });
  const gpg = gpgIn(home, procs);
  const secret = await importSecretKeys(keyFile, gpg);
  let fingerprint = config.fingerprint;
  if (!fingerprint) {
    if (secret.length !== 1) throw new BuildError(`build.json has no signing.fingerprint and ${keyFile} holds several keys`);
    fingerprint = secret[0];
  } else if (!secret.includes(fingerprint)) {
    throw new BuildError(`the signing key in ${keyFile} is not ${fingerprint} (it holds: ${secret.join(' ')})`);
  }
  // The key's time is read while the unlock's S2K derivation runs (both only read the home).
  const [keyTime] = await Promise.all([keyTimeOf(fingerprint, gpg), checkCanSign(fingerprint, passFile, home, gpg)]);
  log.step(`signing: release key ${fingerprint} ready`);
  return { gnupgHome: home, fingerprint, keyTime, procs };
}

/** The newest creation time of the key and its subkeys, and of the primary key's self-signatures. */
async function keyTimeOf(fingerprint: string, gpg: Gpg): Promise<number> {
  const r = await gpg(['--batch', '--with-colons', '--fixed-list-mode', '--list-sigs', fingerprint]);
  let keyId = '';
  let time = 0;
  for (const line of r.stdout.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'pub') keyId = f[4];
    const created = Number(f[5]);
    if (!Number.isFinite(created)) continue;
    if (f[0] === 'pub' || f[0] === 'sub' || (f[0] === 'sig' && f[4] === keyId)) time = Math.max(time, created);
  }
  if (!time) throw new BuildError(`cannot read the creation time of the release signing key ${fingerprint}`);
  return time;
}

/**
 * Signs `<dir>/Release` as aptly would (InRelease clearsigned, Release.gpg detached and armored,
 * SHA256), with the signature's time fixed at `epoch`: the same Release and key give the same bytes.
 * No passphrase: the agent holds it since `checkCanSign`.
 */
export async function signRelease(signer: Signer, dir: string, epoch: number): Promise<void> {
  const gpg = gpgIn(signer.gnupgHome, signer.procs);
  const common = ['--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--faked-system-time', `${epoch}!`,
    '--local-user', signer.fingerprint, '--digest-algo', 'SHA256', '--yes'];
  const release = path.join(dir, 'Release');
  const jobs: Array<[string, string[]]> = [
    ['InRelease', ['--output', path.join(dir, 'InRelease'), '--clearsign', release]],
    ['Release.gpg', ['--output', path.join(dir, 'Release.gpg'), '--armor', '--detach-sign', release]],
  ];
  // Both at once: the agent holds the unlocked key, and the build's tail waits for the slower one only.
  const results = await Promise.all(jobs.map(([, args]) => gpg([...common, ...args])));
  // A failure is reported in the files' order, whichever gpg finished first: the same error every run.
  const failed = results.findIndex(r => r.code !== 0);
  if (failed >= 0) {
    const reason = results[failed].stderr.split('\n').filter(l => l.trim() && !/faked system time/.test(l)).slice(-2).join(' ');
    throw new BuildError(`cannot write ${path.join(dir, jobs[failed][0])} with the release signing key ${signer.fingerprint}: ${reason}`);
  }
}

/** Imports the key file into the signing GNUPGHOME; returns the fingerprints of its secret keys. */
async function importSecretKeys(keyFile: string, gpg: Gpg): Promise<string[]> {
  const imported = await gpg(['--batch', '--quiet', '--import', keyFile]);
  if (imported.code !== 0) {
    throw new BuildError(`cannot import the signing key from ${keyFile}: ${imported.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  const listed = await gpg(['--batch', '--with-colons', '--list-secret-keys']);
  const secret = parseKeyListing(listed.stdout, SECRET_KEYS).map(key => key[0]);
  if (!secret.length) throw new BuildError(`no secret key found in ${keyFile}`);
  return secret;
}

/** Signs once, so that a wrong passphrase or an expired key fails now, saying which. */
async function checkCanSign(fingerprint: string, passFile: string | undefined, home: string, gpg: Gpg): Promise<void> {
  const passArgs = passFile ? ['--passphrase-file', passFile] : ['--passphrase', ''];
  const signed = await gpg(['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...passArgs,
    '--local-user', fingerprint, '--detach-sign', '--yes', '--output', path.join(home, 'check.sig')], { input: 'mini-mirror signing check\n' });
  if (signed.code !== 0) {
    if (/bad passphrase/i.test(signed.stderr)) throw new BuildError(`cannot sign with the release signing key ${fingerprint}: wrong passphrase`);
    const keys = await gpg(['--batch', '--with-colons', '--list-keys', fingerprint]);
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
