// The upstream's key: fetched from key_url or read from the key file the sources mount holds
// next to source.txt (armored or binary, one or several keys), imported
// into a home of its own, and the keys a source's pin selects exported into the keyring gpgv
// verifies that source's Releases with (apt's Signed-By: nothing else in it).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AllowedKeys } from './gpgv-status';
import { parseKeyListing, parseKeyUids } from './key-listing';
import { plural } from '../../util/plural';
import { BuildLog } from '../log';
import { KEY_URL_CAP, sizeText } from '../net/download-limits';
import { Fetcher } from '../net/fetcher';
import { BuildError, ChildProcesses } from '../proc';

/** A key_url's keys, imported into a keyring of their own. */
export interface UpstreamKey {
  /** Every key key_url served: never verify with it, export the allowed primaries (`keyringFor`). */
  readonly keyring: string;
  /** Primary keys, each with its subkey fingerprints. */
  readonly keys: string[][];
  /** The directory of this key_url's files. */
  readonly dir: string;
  /** The first user id of each primary key that has one, by fingerprint. */
  readonly uids: Readonly<Record<string, string>>;
}

/** Where a source's key comes from: a URL the build downloads, or a file of the sources mount. */
export type KeyLocation = { readonly url: string } | { readonly file: string };

/** The location in messages: the URL, or the file. */
export function keyLocationText(where: KeyLocation): string {
  return 'url' in where ? where.url : `key file ${where.file}`;
}

/** What a source verifies its Releases with: a keyring of its allowed primary keys only. */
export interface TrustedKeys {
  readonly keyring: string;
  readonly allowed: AllowedKeys;
  /** Where the key came from, in messages: `key_url` or `the key file`. */
  readonly from?: string;
}

/**
 * Upstream keys by key_url: each fetched and imported once (one gpg process) however many sources
 * name it, as the pockets of one archive do. Every source still checks its own pin against the
 * fingerprints, and a keyring holds only what its key_url served.
 */
export class UpstreamKeys {
  private readonly byUrl = new Map<string, Promise<UpstreamKey>>();
  private readonly keyrings = new Map<string, Promise<string>>();

  constructor(private readonly dir: string, private readonly fetcher: Fetcher, private readonly procs: ChildProcesses) {}

  public load(where: string | KeyLocation): Promise<UpstreamKey> {
    const loc: KeyLocation = typeof where === 'string' ? { url: where } : where;
    const id = 'url' in loc ? `url ${loc.url}` : `file ${loc.file}`;
    let key = this.byUrl.get(id);
    if (!key) {
      // `<workDir>/key<n>/gnupg`: cleanup stops any agent there like in the sources' homes.
      key = this.fetchAndImport(loc, path.join(this.dir, `key${this.byUrl.size}`));
      this.byUrl.set(id, key);
    }
    return key;
  }

  /** Errors name the URL or file, not a source: every source naming it gets them (see `importUpstreamKey`). */
  private async fetchAndImport(loc: KeyLocation, dir: string): Promise<UpstreamKey> {
    const gnupgHome = path.join(dir, 'gnupg');
    await fs.promises.mkdir(gnupgHome, { recursive: true, mode: 0o700 });
    const keyUrl = keyLocationText(loc);
    let keyFile: string;
    if ('url' in loc) {
      keyFile = path.join(dir, 'upstream-key');
      const limits = { maxBytes: KEY_URL_CAP, tooLarge: `key_url ${keyUrl} is larger than ${sizeText(KEY_URL_CAP)}: not an OpenPGP key file` };
      if (await this.fetcher.download(loc.url, keyFile, 'key_url', limits) !== 'ok') {
        throw new BuildError(`cannot fetch the upstream key: ${keyUrl} answered 404 (not found)`);
      }
    } else {
      keyFile = loc.file;
      const size = await fs.promises.stat(keyFile).then(st => st.size, () => undefined);
      if (size === undefined) throw new BuildError(`cannot read the upstream ${keyUrl}: it is not in the sources mount`);
      if (size > KEY_URL_CAP) throw new BuildError(`${keyUrl} is larger than ${sizeText(KEY_URL_CAP)}: not an OpenPGP key file`);
    }
    const keyring = path.join(dir, 'keyring.gpg');
    await fs.promises.writeFile(keyring, '');
    // Imports and lists in one run; nothing verifies with this keyring before a pin check passed.
    // No agent: public keys need none, and one would outlive this step until cleanup.
    const r = await this.procs.run('gpg', ['--batch', '--no-autostart', '--with-colons', '--no-default-keyring', '--keyring', keyring,
      '--import-options', 'import-show', '--import', keyFile], {
      env: { ...process.env, GNUPGHOME: gnupgHome },
    });
    const keys = parseKeyListing(r.stdout);
    if (!keys.length) {
      const head = (await fs.promises.readFile(keyFile)).subarray(0, 200).toString('utf8');
      const looksLikeHtml = /<(!doctype|html|head|body)/i.test(head);
      throw new BuildError(`${keyUrl} holds no OpenPGP public key${looksLikeHtml ? ' (it served a web page: check the URL, e.g. a raw file rather than a page about it)' : ''}; give key_url the armored (.asc) or binary (.gpg) key file`);
    }
    if (r.code !== 0) throw new BuildError(`cannot import the upstream key from ${keyUrl}: ${r.stderr.trim()}`);
    return { keyring, keys, dir, uids: parseKeyUids(r.stdout) };
  }

  /**
   * A keyring holding exactly `primaries` (each with its subkeys) of a loaded key_url, made once
   * per set. gpg exports a key whose subkey matches a fingerprint too, so the result is listed
   * and refused unless it holds exactly those primaries.
   */
  public keyringFor(loaded: UpstreamKey, primaries: readonly string[]): Promise<string> {
    const sorted = [...primaries].sort();
    const id = `${loaded.dir}\n${sorted.join(' ')}`;
    let keyring = this.keyrings.get(id);
    if (!keyring) {
      const name = crypto.createHash('sha256').update(sorted.join(' ')).digest('hex').slice(0, 16);
      keyring = exportPrimaries(loaded, sorted, path.join(loaded.dir, `trusted-${name}.gpg`), this.procs);
      this.keyrings.set(id, keyring);
    }
    return keyring;
  }
}

async function exportPrimaries(loaded: UpstreamKey, primaries: readonly string[], out: string, procs: ChildProcesses): Promise<string> {
  const env = { ...process.env, GNUPGHOME: path.join(loaded.dir, 'gnupg') };
  const gpg = ['--batch', '--no-autostart', '--no-default-keyring'];
  // Not `<fpr>!`: that would drop the subkeys, which is what archives sign with.
  const r = await procs.run('gpg', [...gpg, '--keyring', loaded.keyring, '--yes', '--output', out, '--export', ...primaries], { env });
  if (r.code !== 0) throw new BuildError(`cannot export the upstream keys ${primaries.join(' ')}: ${r.stderr.trim()}`);
  // Every primary of the keyring exported (no pin): the export is the whole keyring, no other key
  // can come along, and a second listing would only cost a gpg process before the first Release.
  const all = loaded.keys.map(k => k[0]).sort();
  if (all.join(' ') === primaries.join(' ')) return out;
  const listing = await procs.run('gpg', [...gpg, '--keyring', out, '--with-colons', '--list-keys'], { env });
  const got = parseKeyListing(listing.stdout).map(k => k[0]).sort();
  if (got.join(' ') !== primaries.join(' ')) {
    const extra = got.filter(f => !primaries.includes(f));
    throw new BuildError(`the keys ${extra.join(' ')} carry an allowed key as a subkey: the key file mixes keys, refusing it (serve only the archive's own keys at key_url)`);
  }
  return out;
}

/** The source's upstream key, checked against its pin; returns the keyring to verify with. */
export async function importUpstreamKey(opts: {
  what: string;
  /** A key_url, or where the key file is. */
  keyUrl: string | KeyLocation;
  pins: readonly string[];
  keys: UpstreamKeys;
  log: BuildLog;
}): Promise<TrustedKeys> {
  const { what, pins, log } = opts;
  const loc: KeyLocation = typeof opts.keyUrl === 'string' ? { url: opts.keyUrl } : opts.keyUrl;
  const keyUrl = keyLocationText(loc);
  if ('url' in loc && !keyUrl.startsWith('https://') && !pins.length) {
    log.warn(`${what}: key_url ${keyUrl} is not https and no fingerprint is pinned`);
  }
  let loaded: UpstreamKey;
  try {
    loaded = await opts.keys.load(loc);
  } catch (e) {
    // One error object per source: the shared key's failure is each naming source's own.
    throw e instanceof BuildError ? new BuildError(`${what}: ${e.message}`, e.details) : e;
  }
  const primaries = pins.length ? selectPinned(what, keyUrl, pins, loaded.keys) : loaded.keys.map(k => k[0]);
  let keyring: string;
  try {
    keyring = await opts.keys.keyringFor(loaded, primaries);
  } catch (e) {
    throw e instanceof BuildError ? new BuildError(`${what}: ${keyUrl}: ${e.message}`, e.details) : e;
  }
  const others = loaded.keys.length - primaries.length;
  log.step(`${what}: upstream key ${primaries.map(p => withUid(p, loaded.uids)).join(', ')} (${pins.length ? 'pinned' : 'not pinned'})`
    + (others ? `; ${plural(others, 'other key')} in ${'url' in loc ? 'key_url' : 'the key file'} ignored` : ''));
  const from = 'url' in loc ? 'key_url' : 'the key file';
  return { keyring, allowed: { primaries, served: loaded.keys, pinned: pins.length > 0, uids: loaded.uids, from }, from };
}

/** `FPR "uid"` when the key has a user id, else the fingerprint. */
export function withUid(fpr: string, uids: Readonly<Record<string, string>> | undefined): string {
  const uid = uids?.[fpr];
  return uid ? `${fpr} "${uid}"` : fpr;
}

/**
 * The primaries the pins select. A pin names a primary key of the file: a key is trusted for its
 * primary fingerprint, and a subkey is only as good as whoever bound it (anyone can bind a
 * published public key as a subkey of their own key).
 */
export function selectPinned(what: string, keyUrl: string, pins: readonly string[], keys: readonly (readonly string[])[]): string[] {
  const primaries = keys.map(k => k[0]);
  for (const pin of pins) {
    const carriers = keys.filter(k => k.slice(1).includes(pin)).map(k => k[0]);
    if (!primaries.includes(pin) && carriers.length) {
      throw new BuildError(`${what}: pinned key ${pin} is only a subkey of ${carriers.join(' ')} here (${keyUrl}): the pin must name a primary key`);
    }
    if (carriers.length) {
      throw new BuildError(`${what}: pinned key ${pin} is also a subkey of ${carriers.join(' ')} in ${keyUrl}: the key file mixes keys, refusing it`);
    }
  }
  const missing = pins.filter(p => !primaries.includes(p));
  if (missing.length) {
    throw new BuildError(`${what}: upstream key fingerprints do not match the pin: expected ${pins.join(' ')}; ${keyUrl} provides ${primaries.join(' ')}`
      + ` (pinned but absent: ${missing.join(' ')})`);
  }
  return primaries.filter(p => pins.includes(p));
}

