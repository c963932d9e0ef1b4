// The upstream's key: fetched from key_url (armored or binary, one or several keys), checked
// against the fingerprint pin, imported into the source's own keyring (never a shared one).
import * as fs from 'fs';
import * as path from 'path';
import { KEY_URL_CAP, sizeText } from './download-limits';
import { Fetcher } from './fetcher';
import { parseKeyListing } from './key-listing';
import { BuildLog } from './log';
import { BuildError, run } from './proc';

/** A key_url's keys, imported into a keyring of their own. */
export interface UpstreamKey {
  /** The keyring gpgv verifies with (only after the source's pin check passed). */
  readonly keyring: string;
  /** Primary keys, each with its subkey fingerprints. */
  readonly keys: string[][];
}

/**
 * Upstream keys by key_url: each fetched and imported once (one gpg process) however many sources
 * name it, as the pockets of one archive do. Every source still checks its own pin against the
 * fingerprints, and a keyring holds only what its key_url served.
 */
export class UpstreamKeys {
  private readonly byUrl = new Map<string, Promise<UpstreamKey>>();

  constructor(private readonly dir: string, private readonly fetcher: Fetcher) {}

  public load(keyUrl: string): Promise<UpstreamKey> {
    let key = this.byUrl.get(keyUrl);
    if (!key) {
      // `<workDir>/key<n>/gnupg`: cleanup stops any agent there like in the sources' homes.
      key = this.fetchAndImport(keyUrl, path.join(this.dir, `key${this.byUrl.size}`));
      this.byUrl.set(keyUrl, key);
    }
    return key;
  }

  /** Errors name the URL, not a source: every source naming it gets them (see `importUpstreamKey`). */
  private async fetchAndImport(keyUrl: string, dir: string): Promise<UpstreamKey> {
    const gnupgHome = path.join(dir, 'gnupg');
    await fs.promises.mkdir(gnupgHome, { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'upstream-key');
    const limits = { maxBytes: KEY_URL_CAP, tooLarge: `key_url ${keyUrl} is larger than ${sizeText(KEY_URL_CAP)}: not an OpenPGP key file` };
    if (await this.fetcher.download(keyUrl, keyFile, 'key_url', limits) !== 'ok') {
      throw new BuildError(`cannot fetch the upstream key: ${keyUrl} answered 404 (not found)`);
    }
    const keyring = path.join(dir, 'keyring.gpg');
    await fs.promises.writeFile(keyring, '');
    // Imports and lists in one run; nothing verifies with this keyring before a pin check passed.
    // No agent: public keys need none, and one would outlive this step until cleanup.
    const r = await run('gpg', ['--batch', '--no-autostart', '--with-colons', '--no-default-keyring', '--keyring', keyring,
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
    return { keyring, keys };
  }
}

/** The source's upstream key, checked against its pin; returns the keyring to verify with. */
export async function importUpstreamKey(opts: {
  what: string;
  keyUrl: string;
  pins: readonly string[];
  keys: UpstreamKeys;
  log: BuildLog;
}): Promise<string> {
  const { what, keyUrl, pins, log } = opts;
  if (!keyUrl.startsWith('https://') && !pins.length) {
    log.warn(`${what}: key_url ${keyUrl} is not https and no fingerprint is pinned`);
  }
  let loaded: UpstreamKey;
  try {
    loaded = await opts.keys.load(keyUrl);
  } catch (e) {
    // One error object per source: the shared key's failure is each naming source's own.
    throw e instanceof BuildError ? new BuildError(`${what}: ${e.message}`, e.details) : e;
  }
  const { keyring, keys } = loaded;
  const primaries = keys.map(k => k[0]);
  if (pins.length) {
    const all = new Set(keys.flat());
    const missing = pins.filter(p => !all.has(p));
    const unpinned = keys.filter(k => !k.some(f => pins.includes(f))).map(k => k[0]);
    if (missing.length || unpinned.length) {
      throw new BuildError(`${what}: upstream key fingerprints do not match the pin: expected ${pins.join(' ')}; ${keyUrl} provides ${primaries.join(' ')}`
        + (missing.length ? ` (pinned but absent: ${missing.join(' ')})` : '')
        + (unpinned.length ? ` (present but not pinned: ${unpinned.join(' ')})` : ''));
    }
  }
  log.step(`${what}: upstream key ${primaries.join(' ')} (${pins.length ? 'pinned' : 'not pinned'})`);
  return keyring;
}
