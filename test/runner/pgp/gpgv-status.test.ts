import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AllowedKeys, judgeSignatures, parseGpgvStatus } from '../../../src/runner/pgp/gpgv-status';

// Status lines as gpgv 2.2.40 printed them here (real runs, fingerprints shortened to fixed ones).
const A = 'A'.repeat(40);
const A_SUB = 'B'.repeat(24) + 'BBBBBBBBBBBBBBBB';
const C = 'C'.repeat(40);

const good = (primary: string, signing = primary, digest = 8) => [
  '[GNUPG:] NEWSIG',
  `[GNUPG:] KEY_CONSIDERED ${primary} 0`,
  `[GNUPG:] GOODSIG ${signing.slice(24)} Archive <archive@example.org>`,
  `[GNUPG:] VALIDSIG ${signing} 2026-07-11 1783765031 0 4 0 1 ${digest} 01 ${primary}`,
];
const missing = (fpr: string) => [
  '[GNUPG:] NEWSIG',
  `[GNUPG:] ERRSIG ${fpr.slice(24)} 1 8 01 1783765032 9 ${fpr}`,
  `[GNUPG:] NO_PUBKEY ${fpr.slice(24)}`,
];
const expiredKey = (fpr: string) => [
  '[GNUPG:] NEWSIG',
  `[GNUPG:] KEY_CONSIDERED ${fpr} 0`,
  '[GNUPG:] KEYEXPIRED 1577923200',
  `[GNUPG:] EXPKEYSIG ${fpr.slice(24)} Exp <e@x.example>`,
  `[GNUPG:] VALIDSIG ${fpr} 2020-01-01 1577840400 0 4 0 22 8 01 ${fpr}`,
];
const revoked = (fpr: string) => [
  '[GNUPG:] NEWSIG',
  `[GNUPG:] KEY_CONSIDERED ${fpr} 0`,
  `[GNUPG:] REVKEYSIG ${fpr.slice(24)} Victim <v@x.example>`,
  `[GNUPG:] VALIDSIG ${fpr} 2026-12-06 1796533244 0 4 0 22 8 01 ${fpr}`,
];
const expiredSig = (fpr: string) => [
  '[GNUPG:] NEWSIG',
  `[GNUPG:] KEY_CONSIDERED ${fpr} 0`,
  `[GNUPG:] EXPSIG ${fpr.slice(24)} Past <p@x.example>`,
  `[GNUPG:] VALIDSIG ${fpr} 2020-01-02 1577923200 1578009600 4 0 22 8 01 ${fpr}`,
];
const bad = (fpr: string) => ['[GNUPG:] NEWSIG', `[GNUPG:] KEY_CONSIDERED ${fpr} 0`, `[GNUPG:] BADSIG ${fpr.slice(24)} Exp <e@x.example>`];
const status = (...blocks: string[][]) => ['[GNUPG:] PLAINTEXT 74 0 ', ...blocks.flat(), 'gpgv: Good signature from "x"'].join('\n');
const allow = (primaries: string[], served: string[][] = primaries.map(p => [p]), pinned = true): AllowedKeys => ({ primaries, served, pinned });

describe('parseGpgvStatus', () => {
  test('one record per NEWSIG, with the VALIDSIG primary (last field) and signing key (first field)', () => {
    const sigs = parseGpgvStatus(status(good(A, A_SUB), missing(C)));
    expect(sigs).toEqual([
      { kind: 'good', keyId: A_SUB.slice(24), signingFingerprint: A_SUB, primaryFingerprint: A, digestAlgorithm: 8, signatureExpires: 0 },
      { kind: 'error', keyId: C.slice(24), errorCode: 9, primaryFingerprint: C },
    ]);
  });

  test('KEYEXPIRED, EXPSIG expiry, REVKEYSIG, BADSIG (no VALIDSIG: the key considered)', () => {
    expect(parseGpgvStatus(status(expiredKey(A)))[0]).toMatchObject({ kind: 'expired-key', keyExpired: 1577923200, primaryFingerprint: A });
    expect(parseGpgvStatus(status(expiredSig(A)))[0]).toMatchObject({ kind: 'expired-signature', signatureExpires: 1578009600 });
    expect(parseGpgvStatus(status(revoked(A)))[0]).toMatchObject({ kind: 'revoked-key', primaryFingerprint: A });
    expect(parseGpgvStatus(status(bad(A)))[0]).toEqual({ kind: 'bad', keyId: A.slice(24), primaryFingerprint: A });
  });

  test('without NEWSIG (older gpg), each result line starts a signature; other lines are ignored', () => {
    const text = [...good(A), ...missing(C)].filter(l => !l.endsWith('NEWSIG')).join('\n') + '\n[GNUPG:] GOODSIG fake in a human line';
    expect(parseGpgvStatus(text).map(s => s.kind)).toEqual(['good', 'error', 'good']);
    expect(parseGpgvStatus('gpgv: [GNUPG:] GOODSIG X\n')).toEqual([]);
  });
});

describe('judgeSignatures: apt\'s rule (methods/gpgv.cc)', () => {
  test('a good signature by an allowed primary, through its signing subkey', () => {
    expect(judgeSignatures(parseGpgvStatus(status(good(A, A_SUB))), allow([A]))).toEqual({ ok: true, primary: A, signing: A_SUB, ignored: [] });
  });

  test('good + NO_PUBKEY, good + EXPKEYSIG, good + REVKEYSIG, good + EXPSIG: accepted (apt: fatal only with no good or a bad signature)', () => {
    for (const other of [missing(C), expiredKey(C), revoked(C), expiredSig(C)]) {
      const v = judgeSignatures(parseGpgvStatus(status(other, good(A))), allow([A], [[A], [C]]));
      expect(v).toMatchObject({ ok: true, primary: A });
      expect(v.ok && v.ignored.length).toBe(1);
    }
  });

  test('good + BADSIG: refused, naming the bad signature', () => {
    const v = judgeSignatures(parseGpgvStatus(status(good(A), bad(C))), allow([A]));
    expect(v).toEqual({ ok: false, reasons: [`bad signature by ${C}: the file was changed after it was signed, or the signature is forged`] });
  });

  test.each([
    ['revoked key', revoked(A), `signed by a revoked key ${A} (the upstream must sign with its new key: check its announcement, then key_url and the pin)`],
    ['expired key', expiredKey(A), `the key ${A} expired on 2020-01-02T00:00:00Z (key_url may serve an old copy: give it the upstream's renewed key)`],
    ['expired signature', expiredSig(A), `the signature by ${A} expired on 2020-01-03T00:00:00Z (a stale Release: the upstream must sign it again)`],
    ['bad signature', bad(A), `bad signature by ${A}: the file was changed after it was signed, or the signature is forged`],
  ])('alone, a %s is refused with its cause', (_what, block, reason) => {
    expect(judgeSignatures(parseGpgvStatus(status(block)), allow([A]))).toEqual({ ok: false, reasons: [reason] });
  });

  test('a key not in the keyring: not served, not pinned, or a subkey of an unpinned primary', () => {
    const served = [[A], [C, A_SUB]];
    expect(judgeSignatures(parseGpgvStatus(status(missing('D'.repeat(40)))), allow([A], served)))
      .toEqual({ ok: false, reasons: [`signed by ${'D'.repeat(40)}, which key_url does not provide`] });
    expect(judgeSignatures(parseGpgvStatus(status(missing('D'.repeat(40)))), { ...allow([A], served), from: 'the key file' }))
      .toEqual({ ok: false, reasons: [`signed by ${'D'.repeat(40)}, which the key file does not provide`] });
    expect(judgeSignatures(parseGpgvStatus(status(missing(C))), allow([A], served)))
      .toEqual({ ok: false, reasons: [`signed by ${C}, which is not pinned`] });
    expect(judgeSignatures(parseGpgvStatus(status(missing(A_SUB))), allow([A], served)))
      .toEqual({ ok: false, reasons: [`signed by ${A_SUB} (a subkey of ${C}), which is not pinned`] });
    // a good signature whose primary is not allowed (cannot be in the keyring; refused anyway)
    expect(judgeSignatures(parseGpgvStatus(status(good(C))), allow([A], served)))
      .toEqual({ ok: false, reasons: [`signed by ${C}, which is not pinned`] });
  });

  test('a good signature in a weak digest (SHA1, id 2) does not count, as in apt; no signature at all is refused', () => {
    expect(judgeSignatures(parseGpgvStatus(status(good(A, A, 2))), allow([A])))
      .toEqual({ ok: false, reasons: [`the signature by ${A} uses the weak digest SHA1`] });
    expect(judgeSignatures([], allow([A]))).toEqual({ ok: false, reasons: ['the file carries no signature'] });
  });
});

// Debian's InRelease files carry three signatures (archive keys of two releases, the release key).
const lists = '/var/lib/apt/lists';
const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
const BOOKWORM_ARCHIVE = 'B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8';
const inReleases = fs.existsSync(lists) && fs.existsSync(keyring)
  ? fs.readdirSync(lists).filter(f => /_debian_dists_bookworm(-updates)?_InRelease$/.test(f)) : [];
if (!inReleases.length) console.log(`skipped: no Debian bookworm InRelease in ${lists} or no ${keyring} on this machine`);
(inReleases.length ? test : test.skip)('GIVEN the real bookworm InRelease files and only the bookworm archive key THEN the verdict is good, by that key\'s signing subkey, the other signatures not counted', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-gpgv-'));
  try {
    const one = path.join(dir, 'bookworm.gpg');
    fs.writeFileSync(one, execFileSync('gpg', ['--batch', '--no-default-keyring', '--keyring', keyring, '--export', BOOKWORM_ARCHIVE], { env: { ...process.env, GNUPGHOME: dir } }));
    for (const name of inReleases) {
      let out = '';
      try {
        out = execFileSync('gpgv', ['--status-fd', '1', '--keyring', one, '--output', path.join(dir, 'out'), path.join(lists, name)], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
      } catch (e) {
        out = String((e as { stdout: Buffer }).stdout); // exit 2: a signature without its key here
      }
      const sigs = parseGpgvStatus(out);
      expect(sigs.length).toBeGreaterThanOrEqual(2);
      const v = judgeSignatures(sigs, allow([BOOKWORM_ARCHIVE], [[BOOKWORM_ARCHIVE]]));
      expect(v).toMatchObject({ ok: true, primary: BOOKWORM_ARCHIVE, signing: expect.not.stringMatching(BOOKWORM_ARCHIVE) });
      expect(v.ok && v.ignored.every(r => /which key_url does not provide$/.test(r))).toBe(true);
      // pinned to a key that signs none of them: refused, naming the signers
      expect(judgeSignatures(sigs, allow(['F'.repeat(40)]))).toMatchObject({ ok: false });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('a file that carries more than its signed text', () => {
  // GIVEN a real key and an InRelease made of two clearsigned blocks: a good one, then another
  test('gpgv reports it malformed after the good signature, and the file is refused, as apt refuses it', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-gpgv-malformed-'));
    try {
      const gpg = (args: string[], input?: string) => execFileSync('gpg', ['--homedir', home, '--batch', '--no-tty', ...args], { input, stdio: ['pipe', 'pipe', 'ignore'] });
      gpg(['--passphrase', '', '--quick-gen-key', 'upstream@archive.example', 'ed25519', 'sign', '1d']);
      const fpr = gpg(['--with-colons', '--list-keys']).toString().split('\n').find(l => l.startsWith('fpr'))!.split(':')[9];
      const signed = gpg(['--clearsign'], 'Origin: Good\nSuite: stable\n').toString();
      const other = gpg(['--clearsign'], 'Origin: Other\nSuite: stable\n').toString();
      const file = path.join(home, 'InRelease');
      fs.writeFileSync(file, signed + other);
      fs.writeFileSync(path.join(home, 'keyring.gpg'), gpg(['--export', fpr]));
      let statusText = '';
      try {
        statusText = execFileSync('gpgv', ['--status-fd', '1', '--keyring', path.join(home, 'keyring.gpg'), '--output', path.join(home, 'out'), file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
      } catch (e) {
        statusText = ((e as { stdout?: Buffer }).stdout ?? Buffer.alloc(0)).toString();
      }
      const sigs = parseGpgvStatus(statusText);

      // WHEN
      const verdict = judgeSignatures(sigs, { primaries: [fpr], served: [[fpr]], pinned: true });

      // THEN
      expect(sigs.map(s => s.kind)).toEqual(['good', 'malformed']);
      expect(verdict).toEqual({ ok: false, reasons: [expect.stringMatching(/^gpgv reports the file malformed \(ERROR /)] });
    } finally {
      execFileSync('gpgconf', ['--homedir', home, '--kill', 'all']);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
