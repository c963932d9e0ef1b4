// Reads an armored OpenPGP key on stdin and prints what ReleaseSigning needs to know as JSON.
// Runs in a child process because openpgp is asynchronous and construct code is synchronous.
'use strict';
const openpgp = require('openpgp');

async function main() {
  const armored = require('fs').readFileSync(0, 'utf8');
  const out = { ok: false };
  let key;
  try {
    key = await openpgp.readKey({ armoredKey: armored });
  } catch (e) {
    out.error = `cannot parse the public key: ${e.message}`;
    return out;
  }
  out.isPrivate = key.isPrivate();
  out.fingerprint = key.getFingerprint().toUpperCase();
  out.userIds = key.getUserIDs();
  out.revoked = await key.isRevoked();
  const expires = await key.getExpirationTime();
  out.expiresAt = expires instanceof Date ? expires.toISOString() : null;
  try {
    const signing = await key.getSigningKey();
    const info = signing.getAlgorithmInfo();
    out.signingKey = { fingerprint: signing.getFingerprint().toUpperCase(), algorithm: info.algorithm, bits: info.bits ?? null, curve: info.curve ?? null };
  } catch (e) {
    out.signingError = e.message;
  }
  out.ok = true;
  return out;
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message || e) })),
);
