// Reads an upstream's OpenPGP key file (armored or a binary keyring such as Debian's
// debian-archive-keyring.gpg) on stdin and prints its keys as JSON. A child process because
// openpgp is asynchronous and construct code is synchronous.
'use strict';
const openpgp = require('openpgp');

async function main() {
  const bytes = require('fs').readFileSync(0);
  const armored = bytes.subarray(0, 4096).toString('latin1').includes('-----BEGIN PGP');
  let keys;
  try {
    if (armored) {
      // openpgp reads the first armored block only; gpg, and so the build, reads them all.
      const blocks = bytes.toString('utf8').match(/-----BEGIN PGP [A-Z ]+-----[\s\S]*?-----END PGP [A-Z ]+-----/g) || [];
      if (!blocks.length) throw new Error('no complete armored block');
      keys = (await Promise.all(blocks.map(b => openpgp.readKeys({ armoredKeys: b })))).flat();
    } else {
      keys = await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) });
    }
  } catch (e) {
    return { ok: false, armored, error: String(e && e.message || e) };
  }
  return {
    ok: true,
    armored,
    keys: keys.map(k => ({
      fingerprint: k.getFingerprint().toUpperCase(),
      isPrivate: k.isPrivate(),
      subkeys: k.getSubkeys().map(s => s.getFingerprint().toUpperCase()),
      userIds: k.getUserIDs(),
    })),
  };
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message || e) })),
);
