import * as fs from 'fs';
import * as path from 'path';

/**
 * The synthesized build ConfigMaps and the signing Secret, written below `root` as the Job mounts
 * them (`build/`, `sources/<prefix>/<name>/`, `signing/`), for tests that start the bundled runner
 * directly.
 */
export function writeJobMounts(root: string, manifests: any[], privateKey: string, passphrase: string): void {
  for (const cm of manifests.filter(m => m.kind === 'ConfigMap')) {
    for (const [key, value] of Object.entries<string>(cm.data ?? {})) {
      if (cm.data['build.json']) {
        fs.mkdirSync(path.join(root, 'build'), { recursive: true });
        fs.writeFileSync(path.join(root, 'build', key), value);
        continue;
      }
      const m = /^(.+?)_(.+)_(source\.txt|packages\.txt|aptly\.conf)$/.exec(key);
      if (!m) continue;
      fs.mkdirSync(path.join(root, 'sources', m[1], m[2]), { recursive: true });
      fs.writeFileSync(path.join(root, 'sources', m[1], m[2], m[3]), value);
    }
  }
  fs.mkdirSync(path.join(root, 'signing'), { mode: 0o700 });
  fs.writeFileSync(path.join(root, 'signing', 'signing-key.asc'), privateKey, { mode: 0o400 });
  fs.writeFileSync(path.join(root, 'signing', 'passphrase'), passphrase, { mode: 0o400 });
}
