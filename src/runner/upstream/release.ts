// The upstream Release file: fetched (InRelease, else Release + Release.gpg), its signature checked
// with gpgv against the source's keyring as apt checks it, and parsed for what the archive offers.
import * as fs from 'fs';
import { BuildLog } from '../log';
import { UpstreamCache } from '../net/fetcher';
import { judgeSignatures, parseGpgvStatus } from '../pgp/gpgv-status';
import { BuildError, ChildProcesses } from '../proc';
import { checkRelease } from './release-checks';
import { parseRelease, ReleaseInfo, releaseBase } from '../deb/release-info';
import { TrustedKeys } from '../pgp/upstream-key';

// Where tests and the rollback e2e read them from before release-info.ts held them.
export { parseRelease, releaseBase };
export type { ReleaseInfo };

export interface FetchReleaseOptions {
  readonly cache: UpstreamCache;
  readonly distribution: string;
  /** The keys to verify with; undefined: no verification (the source opted out). */
  readonly keyring?: TrustedKeys;
  readonly what: string;
  /** The build's child processes, which gpgv runs among. */
  readonly procs: ChildProcesses;
  /** Where the verifying key and warnings go. @default none */
  readonly log?: BuildLog;
  /** A Release whose Suite and Codename both differ from `distribution` is a warning, not an error. @default false */
  readonly allowDistributionMismatch?: boolean;
  /** The build's clock, ms since the epoch. @default Date.now() */
  readonly nowMs?: number;
}

/** A Release's verified text, and the URL it came from (for messages). */
interface ReleaseText {
  readonly text: string;
  readonly url: string;
}

export async function fetchRelease(opts: FetchReleaseOptions): Promise<ReleaseInfo> {
  const base = releaseBase(opts.distribution);
  const { cache, what } = opts;
  const found = await readInRelease(opts, base) ?? await readRelease(opts, base);
  if (!found) {
    const hint = opts.distribution.endsWith('/')
      ? 'check the url: a flat repository has Release and Packages directly at <url>/<dir>'
      : 'check the url (the directory that holds dists/) and the distribution';
    throw new BuildError(`${what}: no InRelease or Release at ${cache.urlOf(base)}: ${hint}`);
  }
  const release = parseRelease(found.text, base);
  const problems = checkRelease(release, {
    url: found.url, distribution: opts.distribution, nowMs: opts.nowMs ?? Date.now(), allowDistributionMismatch: opts.allowDistributionMismatch,
  });
  for (const w of problems.warnings) opts.log?.warn(`${what}: ${w}`);
  if (problems.errors.length) throw new BuildError(`${what}: ${problems.errors.join('; ')}`);
  return release;
}

/** The InRelease's signed text, when upstream has one; pinned as the plain Release aptly reads. */
async function readInRelease(opts: FetchReleaseOptions, base: string): Promise<ReleaseText | undefined> {
  const { cache } = opts;
  if (await cache.get(`${base}InRelease`) !== 'ok') return undefined;
  const file = cache.fileOf(`${base}InRelease`)!;
  const url = cache.urlOf(`${base}InRelease`);
  let text: string;
  if (opts.keyring) {
    const out = `${file}.verified`;
    await fs.promises.rm(out, { force: true });
    await verify({ keys: opts.keyring, args: ['--output', out, file], url }, opts);
    text = await fs.promises.readFile(out, 'utf8');
  } else {
    text = stripClearsign(await fs.promises.readFile(file, 'utf8'));
  }
  // aptly (which does not check signatures again) reads only the text gpgv verified, as a
  // plain Release: nothing an InRelease file carries outside its signed part can reach it.
  await cache.pin(`${base}Release`, text, [`${base}InRelease`, `${base}Release.gpg`]);
  return { text, url };
}

/** The Release and, unless verification is off, its detached Release.gpg. */
async function readRelease(opts: FetchReleaseOptions, base: string): Promise<ReleaseText | undefined> {
  const { cache, what } = opts;
  if (await cache.get(`${base}Release`) !== 'ok') return undefined;
  const file = cache.fileOf(`${base}Release`)!;
  const url = cache.urlOf(`${base}Release`);
  if (opts.keyring) {
    if (await cache.get(`${base}Release.gpg`) !== 'ok') {
      throw new BuildError(`${what}: ${cache.urlOf(base)} has a Release but neither InRelease nor Release.gpg: it is not signed (set insecureSkipUpstreamVerification only if you trust the transport)`);
    }
    await verify({ keys: opts.keyring, args: [cache.fileOf(`${base}Release.gpg`)!, file], url }, opts);
  }
  return { text: await fs.promises.readFile(file, 'utf8'), url };
}

/**
 * gpgv with the source's keyring, judged from its status lines as apt judges them (the exit code
 * is 0 for a revoked or expired key, and 2 when one of several signatures has no key here).
 */
async function verify(check: { keys: TrustedKeys; args: string[]; url: string }, opts: Pick<FetchReleaseOptions, 'what' | 'log' | 'procs'>): Promise<void> {
  const { keys, url } = check;
  const { what, log } = opts;
  const r = await opts.procs.run('gpgv', ['--status-fd', '1', '--keyring', keys.keyring, ...check.args]);
  const sigs = parseGpgvStatus(r.stdout);
  const verdict = judgeSignatures(sigs, keys.allowed);
  if (!verdict.ok) {
    const reasons = sigs.length ? verdict.reasons : [gpgvReason(r.stderr)];
    throw new BuildError(`${what}: the signature of ${url} does not verify with the key from ${keys.from ?? 'key_url'}: ${reasons.join('; ')}`);
  }
  const uid = keys.allowed.uids?.[verdict.primary];
  const named = uid ? `${verdict.primary} "${uid}"` : verdict.primary;
  const by = verdict.signing === verdict.primary ? `key ${named}` : `key ${named} (signing subkey ${verdict.signing})`;
  log?.say(`${what}: ${url} verified: signed by ${by}`
    + (verdict.ignored.length ? `; other signatures not counted: ${verdict.ignored.join('; ')}` : ''));
}

function stripClearsign(text: string): string {
  const m = /-----BEGIN PGP SIGNED MESSAGE-----\r?\n(?:[^\n]*\S[^\n]*\r?\n)*\r?\n([\s\S]*?)\r?\n-----BEGIN PGP SIGNATURE-----/.exec(text);
  return m ? m[1].replace(/^- /gm, '') : text;
}

function gpgvReason(stderr: string): string {
  const lines = stderr.split('\n').map(l => l.replace(/^gpgv: /, '').trim()).filter(l => /BAD|Can't check|No public key|not a detached|no valid OpenPGP|no signature/i.test(l));
  return lines.join('; ') || stderr.trim().split('\n').slice(-2).join('; ');
}
