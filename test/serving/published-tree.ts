import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_ARCHIVE, FakeUpstream } from '../support/fake-upstream';
import { runChecked } from '../support/run-build';

export interface PublishedTree {
  /** The tree, as the image step places it at /srv/mirror. */
  readonly root: string;
  /** Armored public key the tree's Release files are signed with. */
  readonly publicKey: string;
  /** A key that did NOT sign the tree. */
  readonly otherKey: string;
  cleanup(): Promise<void>;
}

export interface PublishedTreeOptions {
  /** Keep InRelease/Release.gpg. @default true */
  readonly signed?: boolean;
  /** contentHash written into manifest.json. @default 'test-content-hash' */
  readonly contentHash?: string;
}

/**
 * A published mirror tree like the build produces it: the fake upstream's aptly-published, signed
 * archive (an aptly-published tree is exactly what the mirror serves) under two prefixes
 * (`debian` and `vendor`), plus manifest.json and mirror-key.asc at the root, and a few dotfiles
 * that must never be served. World-readable, because nginx runs as uid 101.
 */
export async function publishedTree(options: PublishedTreeOptions = {}): Promise<PublishedTree> {
  const fixture = await FakeUpstream.fixture(DEFAULT_ARCHIVE);
  const base = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-served-'));
  await fs.promises.chmod(base, 0o755);
  const root = path.join(base, 'mirror');
  await fs.promises.mkdir(root);
  for (const prefix of ['debian', 'vendor']) {
    await runChecked('cp', ['-a', path.join(fixture.publicDir, 'debian'), path.join(root, prefix)]);
  }
  if (options.signed === false) {
    for (const prefix of ['debian', 'vendor']) {
      for (const dist of await fs.promises.readdir(path.join(root, prefix, 'dists'))) {
        for (const f of ['InRelease', 'Release.gpg']) await fs.promises.rm(path.join(root, prefix, 'dists', dist, f), { force: true });
      }
    }
  } else {
    await fs.promises.writeFile(path.join(root, 'mirror-key.asc'), fixture.key);
  }
  await fs.promises.writeFile(path.join(root, 'manifest.json'),
    JSON.stringify({ contentHash: options.contentHash ?? 'test-content-hash', builtAt: '2024-01-01T00:00:00Z', packages: [] }, undefined, 2) + '\n');
  await fs.promises.mkdir(path.join(root, '.git'));
  await fs.promises.writeFile(path.join(root, '.git', 'config'), '[core]\n\tsecret = git-config-secret\n');
  await fs.promises.writeFile(path.join(root, 'debian', '.hidden'), 'hidden-file-secret\n');
  await fs.promises.writeFile(path.join(root, 'debian', 'dists', '.lock'), 'lock-file-secret\n');
  await runChecked('chmod', ['-R', 'a+rX', root]);
  return {
    root,
    publicKey: fixture.key,
    otherKey: fixture.impostorKey,
    cleanup: () => fs.promises.rm(base, { recursive: true, force: true }),
  };
}
