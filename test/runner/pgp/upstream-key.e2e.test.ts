import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuildLog } from '../../../src/runner/log';
import { Fetcher } from '../../../src/runner/net/fetcher';
import { parseKeyListing, parseKeyUids, SECRET_KEYS } from '../../../src/runner/pgp/key-listing';
import { importUpstreamKey, selectPinned, UpstreamKeys } from '../../../src/runner/pgp/upstream-key';
import { BuildError, ChildProcesses } from '../../../src/runner/proc';
import { FileServerHandle, startFileServer } from '../../support/archive-server';
import { chimeraKey } from '../../support/hostile-keys';
import { runChecked } from '../../support/run-build';
import { GeneratedKey, generateSigningKey } from '../../support/signing-key';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

// Key handling of the build runner with real gpg and curl against a loopback server: what a
// source's key_url serves, its pin, and one key shared by several sources.
let a: GeneratedKey;
let b: GeneratedKey;
let chimera: GeneratedKey;
let server: FileServerHandle;
let dir: string;

beforeAll(async () => {
  [a, b] = await Promise.all([generateSigningKey({ userId: 'Key A <a@archive.example>' }), generateSigningKey({ userId: 'Key B <b@archive.example>' })]);
  chimera = await chimeraKey(a);
  server = await startFileServer(undefined, {
    files: {
      '/chimera.asc': chimera.publicKey,
      '/mixed.asc': a.publicKey + chimera.publicKey,
      '/a.asc': a.publicKey,
      '/both.asc': a.publicKey + b.publicKey,
      '/page.html': '<!doctype html><html><body>keys are here</body></html>',
    },
  });
}, 60_000);
afterAll(() => server.stop());
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-keys-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The primary keys a keyring holds. */
async function primariesIn(keyring: string): Promise<string[]> {
  const listing = await runChecked('gpg', ['--batch', '--no-default-keyring', '--keyring', keyring, '--with-colons', '--list-keys'], { env: { ...process.env, GNUPGHOME: dir } });
  return parseKeyListing(listing.stdout).map(k => k[0]);
}

/** A quiet log that keeps what it was told. */
function quietLog(): BuildLog & { lines: string[] } {
  const log = new BuildLog() as BuildLog & { lines: string[] };
  log.lines = [];
  log.step = (m: string) => void log.lines.push(`step ${m}`);
  log.warn = (m: string) => void log.lines.push(`warn ${m}`);
  log.say = (m: string) => void log.lines.push(m);
  return log;
}

function keysFor(log: BuildLog): UpstreamKeys {
  return new UpstreamKeys(dir, new Fetcher({ retries: 1, stallSeconds: 5 }, log, procs), procs);
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

test('GIVEN two sources naming one key_url WHEN both load it THEN it is fetched and imported once, into a keyring holding exactly that key, with no gpg-agent', async () => {
  const log = quietLog();
  const keys = keysFor(log);
  const before = server.requests.length;
  const [k1, k2] = await Promise.all([
    importUpstreamKey({ what: 'debian/bookworm', keyUrl: `${server.url}/a.asc`, pins: [], keys, log }),
    importUpstreamKey({ what: 'debian/bookworm-updates', keyUrl: `${server.url}/a.asc`, pins: [a.fingerprint], keys, log }),
  ]);
  expect(k1.keyring).toBe(k2.keyring);
  expect(server.requests.slice(before)).toEqual(['/a.asc']);
  expect(log.lines).toContain(`step debian/bookworm: upstream key ${a.fingerprint} "Key A <a@archive.example>" (not pinned)`);
  expect(log.lines).toContain(`step debian/bookworm-updates: upstream key ${a.fingerprint} "Key A <a@archive.example>" (pinned)`);
  expect(log.lines).toContain(`warn debian/bookworm: key_url ${server.url}/a.asc is not https and no fingerprint is pinned`);
  // the keyring is what gpgv verifies Releases with
  const listing = await runChecked('gpg', ['--batch', '--no-default-keyring', '--keyring', k1.keyring, '--with-colons', '--list-keys'], { env: { ...process.env, GNUPGHOME: path.join(dir, 'key0', 'gnupg') } });
  expect(parseKeyListing(listing.stdout).map(k => k[0])).toEqual([a.fingerprint]);
  // no gpg-agent was started for public keys
  expect(fs.existsSync(path.join(dir, 'key0', 'gnupg', 'S.gpg-agent'))).toBe(false);
});

test('GIVEN a key_url with two keys and a pin naming one WHEN loaded THEN the keyring holds only the pinned key; without a pin both; a pin absent from the file fails', async () => {
  const log = quietLog();
  const keys = keysFor(log);
  const url = `${server.url}/both.asc`;
  const pinned = await importUpstreamKey({ what: 'vendor/tools', keyUrl: url, pins: [a.fingerprint], keys, log });
  expect(pinned.allowed).toEqual({
    primaries: [a.fingerprint],
    served: [[a.fingerprint], [b.fingerprint]],
    pinned: true,
    uids: { [a.fingerprint]: 'Key A <a@archive.example>', [b.fingerprint]: 'Key B <b@archive.example>' },
    from: 'key_url',
  });
  expect(await primariesIn(pinned.keyring)).toEqual([a.fingerprint]);
  expect(log.lines).toContain(`step vendor/tools: upstream key ${a.fingerprint} "Key A <a@archive.example>" (pinned); 1 other key in key_url ignored`);
  const all = await importUpstreamKey({ what: 'vendor/other', keyUrl: url, pins: [], keys, log });
  expect((await primariesIn(all.keyring)).sort()).toEqual([a.fingerprint, b.fingerprint].sort());
  expect(all.keyring).not.toBe(pinned.keyring);
  const absent = await errorOf(importUpstreamKey({ what: 'vendor/third', keyUrl: url, pins: [a.fingerprint, 'F'.repeat(40)], keys, log }));
  expect(absent).toBeInstanceOf(BuildError);
  expect(absent.message).toBe(`vendor/third: upstream key fingerprints do not match the pin: expected ${a.fingerprint} ${'F'.repeat(40)}; ${url} provides ${a.fingerprint} ${b.fingerprint} (pinned but absent: ${'F'.repeat(40)})`);
});

test('GIVEN the attacker\'s key carrying the pinned key as a subkey WHEN loaded THEN the pin is refused, naming the primary; served next to the genuine key THEN the file is refused', async () => {
  const log = quietLog();
  const keys = keysFor(log);
  const chimeraUrl = `${server.url}/chimera.asc`;
  const e = await errorOf(importUpstreamKey({ what: 'vendor/tools', keyUrl: chimeraUrl, pins: [a.fingerprint], keys, log }));
  expect(e.message).toBe(`vendor/tools: pinned key ${a.fingerprint} is only a subkey of ${chimera.fingerprint} here (${chimeraUrl}): the pin must name a primary key`);
  const mixedUrl = `${server.url}/mixed.asc`;
  const mixed = await errorOf(importUpstreamKey({ what: 'vendor/tools', keyUrl: mixedUrl, pins: [a.fingerprint], keys, log }));
  expect(mixed.message).toBe(`vendor/tools: pinned key ${a.fingerprint} is also a subkey of ${chimera.fingerprint} in ${mixedUrl}: the key file mixes keys, refusing it`);
  // unpinned, every primary is trusted anyway: the chimera's own key is, the victim's is not its to vouch for
  const unpinned = await importUpstreamKey({ what: 'vendor/open', keyUrl: chimeraUrl, pins: [], keys, log });
  expect(unpinned.allowed.primaries).toEqual([chimera.fingerprint]);
});

test('selectPinned: pins select primaries in the file\'s order', () => {
  const file = [['P1', 'S1'], ['P2'], ['P3', 'S3']];
  expect(selectPinned('x/y', 'U', ['P3', 'P1'], file)).toEqual(['P1', 'P3']);
  expect(() => selectPinned('x/y', 'U', ['S3'], file)).toThrow('x/y: pinned key S3 is only a subkey of P3 here (U): the pin must name a primary key');
});

test('GIVEN a key_url that fails WHEN two sources name it THEN each gets its own error, prefixed with its own id', async () => {
  const log = quietLog();
  const keys = keysFor(log);
  const missing = `${server.url}/missing.asc`;
  const [e1, e2] = await Promise.all([
    errorOf(importUpstreamKey({ what: 'one/a', keyUrl: missing, pins: [], keys, log })),
    errorOf(importUpstreamKey({ what: 'two/b', keyUrl: missing, pins: [], keys, log })),
  ]);
  expect(e1.message).toBe(`one/a: cannot fetch the upstream key: ${missing} answered 404 (not found)`);
  expect(e2.message).toBe(`two/b: cannot fetch the upstream key: ${missing} answered 404 (not found)`);
  expect(e1).not.toBe(e2);
  const page = await errorOf(importUpstreamKey({ what: 'one/a', keyUrl: `${server.url}/page.html`, pins: [], keys, log }));
  expect(page.message).toBe(`one/a: ${server.url}/page.html holds no OpenPGP public key (it served a web page: check the URL, e.g. a raw file rather than a page about it); `
    + 'give key_url the armored (.asc) or binary (.gpg) key file');
});

test('parseKeyListing: primaries with their subkeys, in order', () => {
  const colons = ['pub:-:255:22:AAAA:1::::', 'fpr:::::::::P1:', 'uid:-::::::::x:', 'sub:-:255:18:BBBB:1::::', 'fpr:::::::::S1:', 'pub:-:255:22:CCCC:1::::', 'fpr:::::::::P2:'].join('\n');
  expect(parseKeyListing(colons)).toEqual([['P1', 'S1'], ['P2']]);
  expect(parseKeyListing('')).toEqual([]);
  // a secret listing: sec/ssb records, the same shape
  const secret = ['sec:u:255:22:AAAA:1::::', 'fpr:::::::::P1:', 'ssb:u:255:18:BBBB:1::::', 'fpr:::::::::S1:'].join('\n');
  expect(parseKeyListing(secret, SECRET_KEYS)).toEqual([['P1', 'S1']]);
  expect(parseKeyListing(secret)).toEqual([]);
});

/** The binary packets of armored key blocks (what `gpg --dearmor` writes), one keyring file. */
function binaryKeyring(...armored: string[]): Buffer {
  return Buffer.concat(armored.map(text => {
    const body = text.split(/\r?\n\r?\n/)[1].split('-----END')[0];
    return Buffer.from(body.split('\n').filter(l => !l.startsWith('=')).join(''), 'base64');
  }));
}

test('GIVEN a binary keyring file in the sources mount and a pin naming one of its keys WHEN loaded THEN nothing is fetched and the keyring holds only the pinned key', async () => {
  const log = quietLog();
  const keys = keysFor(log);
  const file = path.join(dir, 'key.gpg');
  fs.writeFileSync(file, binaryKeyring(a.publicKey, b.publicKey));
  const before = server.requests.length;
  const pinned = await importUpstreamKey({ what: 'debian/bookworm', keyUrl: { file }, pins: [b.fingerprint], keys, log });
  expect(server.requests.length).toBe(before);
  expect(pinned.allowed.primaries).toEqual([b.fingerprint]);
  expect(await primariesIn(pinned.keyring)).toEqual([b.fingerprint]);
  expect(log.lines).toContain(`step debian/bookworm: upstream key ${b.fingerprint} "Key B <b@archive.example>" (pinned); 1 other key in the key file ignored`);
  // no warning about http: a file of the sources mount is no download anyone on the path can replace
  expect(log.lines.filter(l => l.startsWith('warn'))).toEqual([]);
  const absent = await errorOf(importUpstreamKey({ what: 'debian/bookworm', keyUrl: { file }, pins: [chimera.fingerprint], keys, log }));
  expect(absent.message).toMatch(new RegExp(`^debian/bookworm: upstream key fingerprints do not match the pin: expected ${chimera.fingerprint}; key file ${file} provides`));
});

test('GIVEN a key file mixing a key with a chimera carrying it as a subkey WHEN the pin names the key THEN refused; a missing file is named', async () => {
  const log = quietLog();
  const keys = keysFor(log);
  const file = path.join(dir, 'key.gpg');
  fs.writeFileSync(file, binaryKeyring(a.publicKey, chimera.publicKey));
  const mixed = await errorOf(importUpstreamKey({ what: 'vendor/tools', keyUrl: { file }, pins: [a.fingerprint], keys, log }));
  expect(mixed.message).toBe(`vendor/tools: pinned key ${a.fingerprint} is also a subkey of ${chimera.fingerprint} in key file ${file}: the key file mixes keys, refusing it`);
  const missing = path.join(dir, 'nothing', 'key.asc');
  const gone = await errorOf(importUpstreamKey({ what: 'vendor/tools', keyUrl: { file: missing }, pins: [], keys, log }));
  expect(gone.message).toBe(`vendor/tools: cannot read the upstream key file ${missing}: it is not in the sources mount`);
});

test('parseKeyUids: the first user id of each primary, gpg\'s escapes decoded, control characters replaced', () => {
  const colons = [
    'pub:-:255:22:AAAA:1::::', 'fpr:::::::::P1:', 'uid:-::::1::H1::Archive \\x3a key <a@x>::::::::::0:', 'uid:-::::1::H2::second::::::::::0:',
    'sub:-:255:18:BBBB:1::::', 'fpr:::::::::S1:',
    'pub:-:255:22:CCCC:1::::', 'fpr:::::::::P2:',
    'pub:-:255:22:DDDD:1::::', 'fpr:::::::::P3:', 'uid:-::::1::H3::bell\\x07::::::::::0:',
  ].join('\n');
  expect(parseKeyUids(colons)).toEqual({ P1: 'Archive : key <a@x>', P3: 'bell?' });
});
