// The seed's build (OpenStack-Helm mini-mirror), re-implemented from its description
// (/work/shared/DESIGN.md §2) as the baseline of bench:build: one source after another, in one
// aptly rootDir; per component `mirror create -filter=<queries joined with ' | '>
// -filter-with-deps`, `mirror update -max-tries=3`, a snapshot per mirror, then one signed
// `publish snapshot` of all components under <prefix>. Its default aptly.conf set
// gpgDisableVerify: true, so upstream signatures are not checked (the key is still fetched and
// imported, as the seed did); no dependency gate, no query check, no manifest.
// One difference, in the seed's favour or not at all: the filter keeps whole queries (the seed
// kept the first word of each line), so both builds mirror the same packages.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuildSourceSpec, runChecked, runCommand } from '../test/support/run-build';
import { GeneratedKey } from '../test/support/signing-key';

/** A source as the seed's build takes it: the upstream of a build source, and its queries. */
export interface SeedSource extends Pick<BuildSourceSpec, 'prefix' | 'name' | 'url' | 'keyUrl' | 'distribution' | 'components'> {
  readonly queries: readonly string[];
}

export interface SeedResult {
  readonly ms: number;
  /** `<prefix>/<dist>` -> `name version arch` of every published package. */
  readonly published: Map<string, string[]>;
}

/** Runs the seed's build into a temporary directory, removes it afterwards; throws on failure. */
export async function runSeedBuild(sources: readonly SeedSource[], key: GeneratedKey, architectures: readonly string[]): Promise<SeedResult> {
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-seed-'));
  const gnupgHome = path.join(root, 'g');
  await fs.promises.mkdir(gnupgHome, { mode: 0o700 });
  const env = {
    ...process.env,
    GNUPGHOME: gnupgHome,
    NO_PROXY: [process.env.NO_PROXY, '127.0.0.1'].filter(Boolean).join(','),
    no_proxy: [process.env.no_proxy, '127.0.0.1'].filter(Boolean).join(','),
  };
  const config = path.join(root, 'aptly.conf');
  const aptly = (args: string[]) => runChecked('aptly', [`-config=${config}`, ...args], { env, timeoutMs: 1_800_000 });
  try {
    const started = Date.now();
    // The image build: the release signing key imported, the default aptly.conf written.
    await runChecked('gpg', ['--batch', '--import'], { env, input: key.privateKey });
    // The seed's publish with a protected key: aptly -passphrase-file (-batch: loopback pinentry).
    const passphraseFile = path.join(root, 'passphrase');
    if (key.passphrase !== undefined) await fs.promises.writeFile(passphraseFile, key.passphrase, { mode: 0o600 });
    await fs.promises.writeFile(config, JSON.stringify({
      rootDir: path.join(root, 'aptly'),
      architectures,
      gpgDisableVerify: true,
      gpgDisableSign: false,
      gpgProvider: 'gpg',
    }));
    for (const s of sources) {
      // wget -O - <key_url> | gpg --import (into the keyring aptly would verify with)
      const res = await fetch(s.keyUrl);
      if (!res.ok) throw new Error(`seed: ${s.keyUrl} answered ${res.status}`);
      await runChecked('gpg', ['--batch', '--no-default-keyring', '--keyring', 'trustedkeys.gpg', '--import'], { env, input: await res.text() });
      const filter = s.queries.join(' | ');
      const snapshots: string[] = [];
      for (const c of s.components) {
        const mirror = `${s.prefix}-${s.name}-${c}`;
        await aptly(['mirror', 'create', `-filter=${filter}`, '-filter-with-deps', mirror, s.url, s.distribution, c]);
        await aptly(['mirror', 'update', '-max-tries=3', mirror]);
        await aptly(['snapshot', 'create', `${mirror}-snap`, 'from', 'mirror', mirror]);
        snapshots.push(`${mirror}-snap`);
      }
      await aptly(['publish', 'snapshot', `-distribution=${s.distribution}`, `-component=${s.components.join(',')}`,
        `-gpg-key=${key.fingerprint}`, ...(key.passphrase !== undefined ? [`-passphrase-file=${passphraseFile}`] : []), '-batch', ...snapshots, s.prefix]);
    }
    const ms = Date.now() - started;
    const published = new Map<string, string[]>();
    for (const s of sources) {
      const keys: string[] = [];
      for (const c of s.components) {
        for (const arch of architectures) {
          const file = path.join(root, 'aptly', 'public', s.prefix, 'dists', s.distribution, c, `binary-${arch}`, 'Packages');
          keys.push(...packageKeys(await fs.promises.readFile(file, 'utf8')));
        }
      }
      published.set(`${s.prefix}/${s.distribution}`, [...new Set(keys)].sort());
    }
    return { ms, published };
  } finally {
    await runCommand('gpgconf', ['--kill', 'all'], { env });
    await fs.promises.rm(root, { recursive: true, force: true });
  }
}

/** `name version arch` of every stanza of a Packages file. */
export function packageKeys(packages: string): string[] {
  return packages.split(/\n\n+/).filter(s => s.trim()).map((stanza) => {
    const f = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(stanza)?.[1].trim() ?? '?';
    return `${f('Package')} ${f('Version')} ${f('Architecture')}`;
  });
}
