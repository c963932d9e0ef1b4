// Publishing one source: a snapshot per aptly mirror, merged per component, published under
// <prefix>/dists/<publishDistribution> with stable Origin/Label/Suite. Unsigned: the runner sets
// the Release's Date and Valid-Until and signs each world's Releases once it is merged and the
// build's date known (release-writer.ts), with one unlock of the key instead of aptly's two per publish.
import * as fs from 'fs';
import { plural } from '../../util/plural';
import { field } from '../deb/control';
import { BuildLog, humanBytes } from '../log';
import { BuildError, errorLines } from '../proc';
import { Aptly } from './aptly';
import { SourceConfig } from '../build-json-reader';
import { totalSize, IndexEntry } from '../deb/packages-index';

/** What publishing reads of a mirrored source (source-state.ts's SourceMirror is one). */
export interface PublishedSource {
  readonly id: string;
  readonly config: Pick<SourceConfig, 'origin' | 'label' | 'suite' | 'publishDistribution' | 'prefix'>;
  readonly release: { readonly fields: Map<string, string> };
  readonly services: { readonly aptly: Aptly };
  readonly state: { readonly mirrors: ReadonlyMap<string, readonly string[]>; readonly mirrored: readonly IndexEntry[] };
}

export async function publishSource(source: PublishedSource, publishArchs: readonly string[], log: BuildLog): Promise<void> {
  const { config, id } = source;
  const { aptly } = source.services;
  // Mirroring is over: publish for the client architectures (an arch:all-only upstream was
  // mirrored as `all`, and aptly cannot publish that alone).
  const conf = JSON.parse(await fs.promises.readFile(aptly.config, 'utf8'));
  conf.architectures = [...publishArchs];
  await fs.promises.writeFile(aptly.config, JSON.stringify(conf, null, 2));

  // Snapshots of every mirror (merged per component) and the publish, in one aptly process.
  const { commands, snapshots } = snapshotCommands(source.state.mirrors);
  const components = [...source.state.mirrors.keys()];
  const args = [
    `-distribution=${config.publishDistribution}`, `-component=${components.join(',')}`, ...releaseFieldArgs(source), '-acquire-by-hash', '-batch', '-skip-signing',
  ];
  commands.push(['publish', 'snapshot', ...args, ...snapshots, config.prefix]);
  const r = await aptly.task(commands, `${id}: publish failed`);
  if (r.error !== undefined) {
    const what = commands[r.completed][0] === 'publish' ? 'publish' : `snapshot ${commands[r.completed][1]}`;
    throw new BuildError(`${id}: ${what} failed: ${errorLines(r.error)}`, r.error);
  }
  const bytes = totalSize(source.state.mirrored);
  log.step(`${id}: published ${config.prefix}/dists/${config.publishDistribution} (${components.join(', ')}): ${plural(source.state.mirrored.length, 'package')}, ${humanBytes(bytes)}`);
}

/** A snapshot of each mirror, merged per component when it has several; the snapshots to publish, one per component. */
function snapshotCommands(mirrorsByComponent: ReadonlyMap<string, readonly string[]>): { commands: string[][]; snapshots: string[] } {
  const commands: string[][] = [];
  const snapshots: string[] = [];
  for (const [component, mirrors] of mirrorsByComponent) {
    for (const m of mirrors) commands.push(['snapshot', 'create', `s-${m}`, 'from', 'mirror', m]);
    if (mirrors.length === 1) {
      snapshots.push(`s-${mirrors[0]}`);
    } else {
      commands.push(['snapshot', 'merge', '-no-remove', `p-${component}`, ...mirrors.map(m => `s-${m}`)]);
      snapshots.push(`p-${component}`);
    }
  }
  return { commands, snapshots };
}

/** What a published Release says of itself besides its contents (aptly's fields, in one place for both ways of publishing). */
export interface PublishedReleaseFields {
  readonly origin: string;
  readonly label: string;
  readonly suite: string;
  /** Upstream's (a backports pocket's `yes`: apt installs from it only when asked). */
  readonly notAutomatic?: string;
  readonly butAutomaticUpgrades?: string;
}

/**
 * Origin, Label and Suite of the published Release: the source's own, else upstream's, else
 * aptly's defaults (`<prefix> <distribution>`, and the distribution); NotAutomatic and
 * ButAutomaticUpgrades as upstream says, as aptly copies them from a mirror. One line each.
 */
export function publishedReleaseFields(source: Pick<PublishedSource, 'id' | 'config' | 'release'>): PublishedReleaseFields {
  const { config } = source;
  const upstreamField = (name: string) => field(source.release.fields, name) || undefined;
  const fallback = `${config.prefix} ${config.publishDistribution}`;
  const fields = {
    origin: config.origin || upstreamField('Origin') || fallback,
    label: config.label || upstreamField('Label') || fallback,
    suite: config.suite || upstreamField('Suite') || config.publishDistribution,
    notAutomatic: upstreamField('NotAutomatic'),
    butAutomaticUpgrades: upstreamField('ButAutomaticUpgrades'),
  };
  for (const v of Object.values(fields)) {
    if (v !== undefined && /[\p{Cc}]/u.test(v)) throw new BuildError(`${source.id}: the published Release's fields (origin, label, suite, upstream's NotAutomatic) must be one line: ${JSON.stringify(v)}`);
  }
  return fields;
}

/**
 * aptly's arguments for them. NotAutomatic and ButAutomaticUpgrades explicitly: aptly copies them
 * from a mirror's snapshot, but not through `snapshot merge` (a component of several mirrors).
 */
function releaseFieldArgs(source: PublishedSource): string[] {
  const f = publishedReleaseFields(source);
  return [`-origin=${f.origin}`, `-label=${f.label}`, `-suite=${f.suite}`,
    ...(f.notAutomatic ? [`-notautomatic=${f.notAutomatic}`] : []), ...(f.butAutomaticUpgrades ? [`-butautomaticupgrades=${f.butAutomaticUpgrades}`] : [])];
}
