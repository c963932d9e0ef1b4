/** What the CLI's builds in a test read: a sources directory, the mirror's keys as files, a local base image. */
import * as fs from 'fs';
import * as path from 'path';
import { runChecked } from './run-build';
import { cachedTestKey } from './test-keys';

export interface CliInputs {
  /** The options every build of the test gives (the README's "${OPTIONS[@]}"). */
  readonly common: string[];
  /** The mirror's public key (armored). */
  readonly mirrorKey: string;
}

/**
 * Writes under `dir` what the builds read: sources/debian/bookworm/source.txt naming the upstream
 * at `upstreamUrl` (its archive key signs with `fingerprint`), the mirror's keys (the private one
 * mode 0600) and an empty base image layout.
 */
export async function writeCliInputs(dir: string, upstreamUrl: string, fingerprint: string): Promise<CliInputs> {
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstreamUrl}/debian ${upstreamUrl}/keys/archive.asc bookworm main\n`);
  const key = await cachedTestKey();
  fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(dir, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  const base = path.join(dir, 'base');
  await runChecked('umoci', ['init', '--layout', base]);
  await runChecked('umoci', ['new', '--image', `${base}:1`]);
  const common = ['--sources', path.join(dir, 'sources'), '--key-fingerprint', `debian/bookworm=${fingerprint}`,
    '--public-key', path.join(dir, 'mirror.pub.asc'), '--signing-key', path.join(dir, 'signing-key.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--base-image', `oci:${base}:1`];
  return { common, mirrorKey: key.publicKey };
}
