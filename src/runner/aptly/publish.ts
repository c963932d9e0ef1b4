// Publishing one source: a snapshot per aptly mirror, merged per component, published under
// <prefix>/dists/<publishDistribution> with stable Origin/Label/Suite. Unsigned: the runner sets
// the Release's Date and Valid-Until and signs every Release of the build once it is all
// published (release-writer.ts), with one unlock of the key instead of aptly's two per publish.
import * as fs from 'fs';
import { plural } from '../../util/plural';
import { field } from '../deb/control';
import { totalSize } from '../deb/packages-index';
import { BuildLog, humanBytes } from '../log';
import { BuildError, errorLines } from '../proc';
import { SourceMirror } from '../source-mirror';

export async function publishSource(source: SourceMirror, publishArchs: readonly string[], log: BuildLog): Promise<void> {
  const { aptly, config, id } = source;
  // Mirroring is over: publish for the client architectures (an arch:all-only upstream was
  // mirrored as `all`, and aptly cannot publish that alone).
  const conf = JSON.parse(await fs.promises.readFile(aptly.config, 'utf8'));
  conf.architectures = [...publishArchs];
  await fs.promises.writeFile(aptly.config, JSON.stringify(conf, null, 2));

  // Snapshots of every mirror (merged per component) and the publish, in one aptly process.
  const commands: string[][] = [];
  const snapshots: string[] = [];
  const components = [...source.mirrors.keys()];
  for (const component of components) {
    const mirrors = source.mirrors.get(component)!;
    for (const m of mirrors) commands.push(['snapshot', 'create', `s-${m}`, 'from', 'mirror', m]);
    if (mirrors.length === 1) {
      snapshots.push(`s-${mirrors[0]}`);
    } else {
      commands.push(['snapshot', 'merge', '-no-remove', `p-${component}`, ...mirrors.map(m => `s-${m}`)]);
      snapshots.push(`p-${component}`);
    }
  }
  const upstreamField = (name: string) => field(source.release.fields, name) ?? '';
  const origin = config.origin ?? upstreamField('Origin');
  const label = config.label ?? upstreamField('Label');
  const suite = config.suite ?? upstreamField('Suite');
  for (const v of [origin, label, suite]) {
    if (/[\p{Cc}]/u.test(v)) throw new BuildError(`${id}: origin/label/suite must be one line: ${JSON.stringify(v)}`);
  }
  const args = [
    `-distribution=${config.publishDistribution}`, `-component=${components.join(',')}`,
    `-origin=${origin}`, `-label=${label}`, `-suite=${suite}`, '-acquire-by-hash', '-batch', '-skip-signing',
  ];
  commands.push(['publish', 'snapshot', ...args, ...snapshots, config.prefix]);
  const r = await aptly.task(commands, `${id}: publish failed`);
  if (r.error !== undefined) {
    const what = commands[r.completed][0] === 'publish' ? 'publish' : `snapshot ${commands[r.completed][1]}`;
    throw new BuildError(`${id}: ${what} failed: ${errorLines(r.error)}`, r.error);
  }
  const bytes = totalSize(source.mirrored);
  log.step(`${id}: published ${config.prefix}/dists/${config.publishDistribution} (${components.join(', ')}): ${plural(source.mirrored.length, 'package')}, ${humanBytes(bytes)}`);
}
