// manifest.json: every published package, and where it came from, served with the mirror.
import * as fs from 'fs';
import * as path from 'path';
import { publicUrl } from '../../util/public-url';
import { field, parseParagraphs } from '../deb/control';
import { SourceMirror } from '../source-state';

export interface ManifestPackage {
  prefix: string;
  distribution: string;
  component: string;
  name: string;
  version: string;
  architecture: string;
  size: number;
  sha256: string;
  filename: string;
}

export async function writeManifest(stage: string, sources: readonly SourceMirror[],
  identity: { contentHash: string | null; buildIdentity: string | null; refreshEpoch: string | null; builtAt: string }): Promise<ManifestPackage[]> {
  const packages: ManifestPackage[] = [];
  const seen = new Set<string>();
  for (const s of sources) {
    for (const component of s.state.mirrors.keys()) {
      for (const entry of await publishedPackages(stage, s.config.prefix, s.config.publishDistribution, component)) {
        const key = [entry.prefix, entry.distribution, component, entry.name, entry.version, entry.architecture].join('\t');
        if (!entry.name || seen.has(key)) continue;
        seen.add(key);
        packages.push(entry);
      }
    }
  }
  const manifest = {
    contentHash: identity.contentHash,
    buildIdentity: identity.buildIdentity,
    refreshEpoch: identity.refreshEpoch,
    builtAt: identity.builtAt,
    upstreams: sources.map(s => ({
      prefix: s.config.prefix,
      name: s.config.name,
      // Served to anyone: no credentials or tokens a source URL may carry.
      url: publicUrl(s.config.url),
      distribution: s.config.distribution,
      publishedAs: s.config.publishDistribution,
      world: s.config.world,
      releaseDate: field(s.release.fields, 'Date') ?? null,
    })),
    packages,
  };
  await fs.promises.writeFile(path.join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return packages;
}

/** The packages of one published component, as its signed Packages indexes list them. */
async function publishedPackages(stage: string, prefix: string, distribution: string, component: string): Promise<ManifestPackage[]> {
  const dir = path.join(stage, prefix, 'dists', distribution, component);
  const archDirs = (await fs.promises.readdir(dir).catch(() => [])).filter(d => d.startsWith('binary-')).sort();
  const entries: ManifestPackage[] = [];
  for (const archDir of archDirs) {
    const file = path.join(dir, archDir, 'Packages');
    if (!fs.existsSync(file)) continue;
    for (const p of parseParagraphs(await fs.promises.readFile(file, 'utf8'))) {
      entries.push({
        prefix,
        distribution,
        component,
        name: field(p, 'Package') ?? '',
        version: field(p, 'Version') ?? '',
        architecture: field(p, 'Architecture') ?? '',
        size: Number(field(p, 'Size') ?? 0),
        sha256: field(p, 'SHA256') ?? '',
        filename: field(p, 'Filename') ?? '',
      });
    }
  }
  return entries;
}
