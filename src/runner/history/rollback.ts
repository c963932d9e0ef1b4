// A rollback: an earlier build's published tree (pool and indexes, as it was) served again with a
// fresh Date and fresh signatures. apt ignores an InRelease older than the one it holds (DESIGN
// §9), so serving the old image again would leave updated clients on the newer lists; nothing is
// mirrored again (upstream may no longer have those versions).
import * as fs from 'fs';
import * as path from 'path';
import { BuildLog } from '../log';
import { parsePreviousManifest, PreviousBuild } from './previous-build';
import { BUILD_ENV } from '../../contract/env';
import { plural } from '../../util/plural';
import { Signer } from '../pgp/release-signer';
import { BuildError, pool } from '../proc';
import { buildEpoch, finishReleases, releaseDate } from '../release-writer';

/** The setting the runner honours: the environment (a host build) overrides build.json. */
export function rollbackSetting(fromConfig: string | null | undefined): string | null {
  const fromEnv = process.env[BUILD_ENV.rollbackFrom];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
  return fromConfig ?? null;
}

/** Files written anew for the rollback: never linked from the old tree (gpg and writeFile write in place). */
const REWRITTEN = new Set(['InRelease', 'Release.gpg', 'Release', 'manifest.json', 'mirror-key.asc']);

/** The tree rolled back to, the stage it is copied into, and the served build it must follow. */
export interface RollbackTarget {
  readonly from: string;
  readonly stage: string;
  readonly previous: PreviousBuild | undefined;
}

/** What the rollback is signed with and recorded as. */
export interface RollbackOptions {
  readonly signer?: Signer;
  readonly validForSeconds?: number;
  readonly contentHash: string | null;
  readonly buildIdentity: string | null;
}

/**
 * Stages the tree at `from` (an earlier build's public/) dated one second after the served build
 * (`previous`) and the old tree itself, re-signed with `signer`. Returns the old manifest's packages.
 */
export async function stageRollback(target: RollbackTarget, opts: RollbackOptions, log: BuildLog): Promise<{ builtAt: string; packages: number }> {
  const { from, stage, previous } = target;
  if (!previous) {
    throw new BuildError(`a rollback to ${from} needs the served build's manifest to date itself after it: `
      + 'give the previous manifest (mini-mirror build --previous-manifest FILE|URL, the manifest.json the mirror serves now)');
  }
  const manifestFile = path.join(from, 'manifest.json');
  const text = await fs.promises.readFile(manifestFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new BuildError(`cannot read ${manifestFile}: ${e.code ?? e.message}: the rollback target must be an earlier build's tree (its public/ with manifest.json)`);
  });
  const old = parsePreviousManifest(text, manifestFile);
  const raw = JSON.parse(text);
  if (!old.upstreams.length) throw new BuildError(`${manifestFile} lists no upstream: nothing to roll back to`);
  await copyTree(from, stage);
  // Strictly later than what clients hold now (and than the old tree): apt takes it as news.
  const epoch = buildEpoch([previous.manifest.builtAt, old.builtAt], opts.signer?.keyTime) + 1;
  const dists = [...new Map(old.upstreams.map(u => [`${u.prefix}/${u.publishedAs ?? u.distribution}`,
    { prefix: u.prefix, distribution: u.publishedAs ?? u.distribution }])).values()];
  for (const d of dists) {
    const release = path.join(stage, d.prefix, 'dists', d.distribution, 'Release');
    if (!fs.existsSync(release)) throw new BuildError(`${from} has no ${d.prefix}/dists/${d.distribution}/Release although its manifest lists it: not an intact build tree`);
  }
  await finishReleases(stage, dists, { date: epoch, validForSeconds: opts.validForSeconds }, opts.signer);
  const builtAt = new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  log.step(`rollback: ${plural(dists.length, 'release')} of ${from} (built ${old.builtAt ?? 'at an unknown date'}) dated ${releaseDate(epoch)}, after the served build's ${previous.manifest.builtAt ?? '(no date)'}`
    + `${opts.signer ? ', signed' : ''}`);
  // This build's identity (what the image step and the smoke test look for), and what it rolls back to.
  const manifest = {
    ...raw,
    contentHash: opts.contentHash,
    buildIdentity: opts.buildIdentity,
    builtAt,
    rollbackOf: { buildIdentity: old.buildIdentity ?? null, builtAt: old.builtAt ?? null },
  };
  await fs.promises.writeFile(path.join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { builtAt, packages: old.packages.length };
}

/** Copies `from` into `to`: hard links for what stays as it was, nothing of what is written anew. */
async function copyTree(from: string, to: string, rel = ''): Promise<void> {
  const entries = await fs.promises.readdir(path.join(from, rel), { withFileTypes: true });
  await pool(entries, 16, async e => {
    const child = rel ? `${rel}/${e.name}` : e.name;
    const src = path.join(from, child);
    const dst = path.join(to, child);
    if (e.isDirectory()) {
      await fs.promises.mkdir(dst, { recursive: true });
      await copyTree(from, to, child);
    } else if (e.isSymbolicLink()) {
      await fs.promises.symlink(await fs.promises.readlink(src), dst);
    } else if (e.name === 'Release') {
      // Rewritten through a new file by finishReleases: a copy keeps the old tree untouched anyway.
      await fs.promises.copyFile(src, dst);
    } else if (!REWRITTEN.has(e.name)) {
      await fs.promises.link(src, dst).catch(() => fs.promises.copyFile(src, dst));
    }
  });
}
