// The upstream's key: fetched from key_url (armored or binary, one or several keys), checked
// against the fingerprint pin, imported into the source's own keyring (never a shared one).
import * as fs from 'fs';
import { Fetcher } from './fetcher';
import { BuildLog } from './log';
import { BuildError, run } from './proc';

/** Primary keys of a key file, each with its subkey fingerprints. */
export async function keyFingerprints(keyFile: string, gnupgHome: string): Promise<string[][]> {
  const r = await run('gpg', ['--batch', '--with-colons', '--import-options', 'show-only', '--import', keyFile], {
    env: { ...process.env, GNUPGHOME: gnupgHome },
  });
  const keys: string[][] = [];
  let want = '';
  for (const line of r.stdout.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'pub') {
      keys.push([]);
      want = 'pub';
    } else if (f[0] === 'sub') {want = 'sub';} else if (f[0] === 'fpr' && want && keys.length) {
      keys[keys.length - 1].push(f[9]);
      want = '';
    }
  }
  return keys.filter(k => k.length);
}

export async function importUpstreamKey(opts: {
  what: string;
  keyUrl: string;
  pins: readonly string[];
  workDir: string;
  gnupgHome: string;
  keyring: string;
  fetcher: Fetcher;
  log: BuildLog;
}): Promise<void> {
  const { what, keyUrl, pins, log } = opts;
  if (!keyUrl.startsWith('https://') && !pins.length) {
    log.warn(`${what}: key_url ${keyUrl} is not https and no fingerprint is pinned`);
  }
  const keyFile = `${opts.workDir}/upstream-key`;
  if (await opts.fetcher.download(keyUrl, keyFile, `${what}: key_url`) !== 'ok') {
    throw new BuildError(`${what}: cannot fetch the upstream key: ${keyUrl} answered 404 (not found)`);
  }
  const keys = await keyFingerprints(keyFile, opts.gnupgHome);
  if (!keys.length) {
    const head = (await fs.promises.readFile(keyFile)).subarray(0, 200).toString('utf8');
    const looksLikeHtml = /<(!doctype|html|head|body)/i.test(head);
    throw new BuildError(`${what}: ${keyUrl} holds no OpenPGP public key${looksLikeHtml ? ' (it served a web page: check the URL, e.g. a raw file rather than a page about it)' : ''}; give key_url the armored (.asc) or binary (.gpg) key file`);
  }
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
  await fs.promises.writeFile(opts.keyring, '');
  const r = await run('gpg', ['--batch', '--quiet', '--no-default-keyring', '--keyring', opts.keyring, '--import', keyFile], {
    env: { ...process.env, GNUPGHOME: opts.gnupgHome },
  });
  if (r.code !== 0) throw new BuildError(`${what}: cannot import the upstream key from ${keyUrl}: ${r.stderr.trim()}`);
  log.step(`${what}: upstream key ${primaries.join(' ')} (${pins.length ? 'pinned' : 'not pinned'})`);
}
