import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MirrorSource } from '../sources/mirror-source';
import { checkWholeNumber } from '../util/checks';
import { configMap } from '../util/config-map';
import { contentHash, filesHash } from '../util/hash';
import { CONFIG_MAP_SAFE_BYTES, dataEntryBytes } from '../util/limits';

/** Well below the safe size, so a few more packages still fit the same split. */
const DEFAULT_MAX_BYTES = 512 * 1024;

/**
 * Props for `SourceConfigMaps`.
 */
export interface SourceConfigMapsProps {
  /** The sources to ship. */
  readonly sources: MirrorSource[];
  /**
   * Name prefix of the ConfigMaps (`<namePrefix>-sources-<n>-<hash>`).
   */
  readonly namePrefix: string;
  /**
   * Start a new ConfigMap when one would exceed this many bytes of data.
   * @default 524288 (512 KiB)
   */
  readonly maxBytesPerConfigMap?: number;
  /**
   * Labels for the ConfigMaps.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/**
 * Every source's `source.txt`, `packages.txt` and `aptly.conf` as immutable ConfigMaps, named
 * with their content hash. `volumeProjections()` maps them so a container sees exactly the
 * seed layout `<prefix>/<name>/{source.txt,packages.txt,aptly.conf}` under one mount.
 *
 * @example
 * const maps = new SourceConfigMaps(chart, 'sources', { sources, namePrefix: 'mirror' });
 * maps.contentHash; // changes whenever any source file changes
 */
export class SourceConfigMaps extends Construct {
  /** Names of the ConfigMaps, in order. */
  public readonly configMapNames: string[];
  /** SHA-256 (hex) of every file in every ConfigMap. */
  public readonly contentHash: string;
  private readonly projections: k8s.VolumeProjection[] = [];

  public constructor(scope: Construct, id: string, props: SourceConfigMapsProps) {
    super(scope, id);
    const plan = planSourceConfigMaps(props);
    plan.maps.forEach((map, i) => {
      // Content-addressed name: the object never changes, so let the API server enforce it.
      configMap(this, `sources-${i}`, { name: map.name, labels: props.labels, data: map.data, binaryData: map.binaryData, immutable: true });
      this.projections.push(...map.projections);
    });
    this.configMapNames = plan.maps.map(m => m.name);
    this.contentHash = plan.contentHash;
  }

  /**
   * Projected-volume sources that lay the ConfigMaps out as `<prefix>/<name>/<file>`.
   * @example new k8s.KubeJob(this, 'job', { spec: { template: { spec: { volumes: [{ name: 'sources', projected: { sources: maps.volumeProjections() } }] } } } })
   */
  public volumeProjections(): k8s.VolumeProjection[] {
    return this.projections.map(p => (p.configMap
      ? { configMap: { ...p.configMap, items: [...(p.configMap.items ?? [])] } }
      : { secret: { ...p.secret!, items: [...(p.secret!.items ?? [])] } }));
  }
}

/** One ConfigMap of the sources: its name, data and the projections that lay it out. */
interface SourceMapPlan {
  readonly name: string;
  readonly data: Record<string, string>;
  readonly binaryData: Record<string, string>;
  readonly projections: k8s.VolumeProjection[];
}

/**
 * The ConfigMaps `SourceConfigMaps` makes and their content hash, without making them: a
 * MiniMirror that builds elsewhere needs the hash (the build identity) but not the objects.
 */
export function planSourceConfigMaps(props: SourceConfigMapsProps): { readonly maps: SourceMapPlan[]; readonly contentHash: string } {
  const limit = checkWholeNumber('maxBytesPerConfigMap', props.maxBytesPerConfigMap ?? DEFAULT_MAX_BYTES, 1024, CONFIG_MAP_SAFE_BYTES);
  const maps = batches(sourceFiles(props.sources), limit).map((batch, i) => {
    const files = batch.flatMap(g => g.files);
    const mounted = batch.flatMap(g => g.mounted);
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    for (const f of files) (f.binary ? binaryData : data)[f.key] = f.content;
    // A mounted key's reference (not its content, unknown at synth) is part of the hash.
    const hash = filesHash([...files, ...mounted.map(m => ({ path: m.path, content: m.identity }))]);
    const name = `${props.namePrefix}-sources-${i}-${hash.slice(0, 10)}`;
    const projections = [{ configMap: { name, items: files.map(f => ({ key: f.key, path: f.path })) } }, ...mounted.map(m => m.projection)];
    return { name, data, binaryData, projections, hash };
  });
  return { maps, contentHash: contentHash(maps.map(m => m.hash)) };
}

/** One file of the seed layout: its ConfigMap key, its path below the mount, its text. */
interface SourceFile {
  readonly key: string;
  readonly path: string;
  readonly content: string;
  /** `content` is base64, for binaryData (a binary keyring) */
  readonly binary?: boolean;
}

/** An upstream key from a ConfigMap or Secret of the user's, projected into the source's directory. */
interface MountedKey {
  readonly path: string;
  readonly projection: k8s.VolumeProjection;
  readonly identity: string;
}

/** The files of one source, which always go into the same ConfigMap. */
interface FileGroup {
  readonly files: SourceFile[];
  readonly mounted: MountedKey[];
  readonly bytes: number;
}

/** Each source's files, as one group; refuses key clashes and sources no ConfigMap can hold. */
function sourceFiles(sources: readonly MirrorSource[]): FileGroup[] {
  const keyOwner = new Map<string, string>();
  return sources.map(source => {
    const files = filesOf(source);
    for (const f of files) {
      const owner = keyOwner.get(f.key);
      if (owner && owner !== source.id) {
        throw new Error(`sources ${owner} and ${source.id} map to the same ConfigMap key ${f.key}: rename one of them`);
      }
      keyOwner.set(f.key, source.id);
    }
    const bytes = filesBytes(files);
    const problem = sizeProblem(source, bytes);
    if (problem) throw new Error(problem);
    const keyPath = `${source.id}/${source.key.fileName}`;
    const projection = source.key._projection(keyPath);
    return { files, bytes, mounted: projection ? [{ path: keyPath, projection, identity: source.key._identity() }] : [] };
  });
}

/**
 * The ConfigMap files of a source: source.txt, packages.txt and (when it has them) aptly.conf
 * and its upstream key file (key.asc as data, a binary key.gpg as binaryData).
 */
function filesOf(source: MirrorSource): SourceFile[] {
  const key = source.key._configMapEntry();
  return [
    { file: 'source.txt', content: source.sourceTxt },
    { file: 'packages.txt', content: source.packagesTxt },
    ...(source.aptlyConfig ? [{ file: 'aptly.conf', content: source.aptlyConfig.toJsonString() }] : []),
    ...(key ? [{ file: source.key.fileName!, content: key.text ?? key.binary!, binary: key.binary !== undefined }] : []),
  ].map(f => ({ key: `${source.prefix}_${source.name}_${f.file}`, path: `${source.id}/${f.file}`, content: f.content, binary: f.binary }));
}

function filesBytes(files: readonly SourceFile[]): number {
  return files.reduce((n, f) => n + dataEntryBytes(f.key, f.content), 0);
}

function sizeProblem(source: MirrorSource, bytes: number): string | undefined {
  if (bytes <= CONFIG_MAP_SAFE_BYTES) return undefined;
  return `source ${source.id} needs ${Math.ceil(bytes / 1024)} KiB of ConfigMap data, over the ${CONFIG_MAP_SAFE_BYTES / 1024} KiB a ConfigMap can safely hold: split its packages into several sources`;
}

/**
 * Why a source cannot be shipped in a ConfigMap, or undefined: the check `SourceConfigMaps`
 * makes at synth time, for `mini-mirror check` to make the same.
 */
export function sourceConfigMapProblem(source: MirrorSource): string | undefined {
  return sizeProblem(source, filesBytes(filesOf(source)));
}

/** The groups in order, a new batch whenever the next group would take one over `limit` bytes. */
function batches(groups: readonly FileGroup[], limit: number): FileGroup[][] {
  const out: FileGroup[][] = [];
  let current: FileGroup[] = [];
  let size = 0;
  for (const group of groups) {
    if (current.length && size + group.bytes > limit) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(group);
    size += group.bytes;
  }
  if (current.length) out.push(current);
  return out;
}
