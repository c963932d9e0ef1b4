import * as fs from 'fs';
import * as path from 'path';

/**
 * The manifest digest of `tag` in the OCI layout directory `dir` (from its index.json), or
 * undefined when the layout has no such tag: what `--image-digest` takes once the layout is
 * copied into a registry (`skopeo copy` keeps the manifest, so the digest stays the same).
 */
export function layoutDigest(dir: string, tag: string): string | undefined {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const entry = (index.manifests ?? []).find((m: any) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  return typeof entry?.digest === 'string' ? entry.digest : undefined;
}
