import { Construct } from 'constructs';
import { BuildJob } from './build/build-job';
import { BuildOptions, MirrorImageOptions } from './build/build-options';
import { ReleaseSigning } from './signing/release-signing';
import { AptlyConfig } from './sources/aptly-config';
import { MirrorSource } from './sources/mirror-source';
import { SourceConfigMaps } from './sources/source-config-maps';
import { checkBaseName, standardLabels } from './util/names';

/**
 * Props for `MiniMirror`.
 */
export interface MiniMirrorProps {
  /**
   * The APT sources to mirror.
   * @example MirrorSource.fromDirectory('./sources')
   */
  readonly sources: MirrorSource[];
  /**
   * How Release files are signed.
   * @example ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey })
   */
  readonly signing: ReleaseSigning;
  /**
   * The serving image the build pushes and the Deployment runs.
   * @example { repository: 'registry.example.com/mini-mirror' }
   */
  readonly image: MirrorImageOptions;
  /**
   * Base name of every object (a DNS label of at most 30 characters).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * aptly config for sources without their own `aptly.conf` (the seed's `APTLY_CONFIG_PATH`).
   * @default AptlyConfig.fromProps()
   */
  readonly defaultAptlyConfig?: AptlyConfig;
  /**
   * How the build Job runs.
   * @default - see `BuildOptions`
   */
  readonly buildOptions?: BuildOptions;
}

/**
 * An offline APT mirror: source ConfigMaps, a build Job that mirrors, verifies, signs and
 * publishes them and bakes the serving image, the nginx Deployment that serves it, and the
 * client configuration.
 *
 * @example
 * new MiniMirror(chart, 'mirror', {
 *   sources: MirrorSource.fromDirectory('./sources'),
 *   signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: fs.readFileSync('mirror.pub.asc', 'utf8') }),
 *   image: { repository: 'registry.example.com/mini-mirror' },
 * });
 */
export class MiniMirror extends Construct {
  /** Base name of the objects. */
  public readonly name: string;
  /** The sources, validated. */
  public readonly sources: MirrorSource[];
  /** The source ConfigMaps. */
  public readonly sourceConfigMaps: SourceConfigMaps;
  /** The build Job. */
  public readonly buildJob: BuildJob;
  /** Content hash of every build input (also the default image tag). */
  public readonly contentHash: string;
  /** The serving image reference. */
  public readonly imageRef: string;

  public constructor(scope: Construct, id: string, props: MiniMirrorProps) {
    super(scope, id);
    this.name = checkBaseName(props.name ?? id);
    if (!props.sources || props.sources.length === 0) throw new Error('no sources: pass at least one MirrorSource (e.g. MirrorSource.fromDirectory("./sources"))');
    MirrorSource.checkUnique(props.sources);
    this.sources = props.sources;

    this.sourceConfigMaps = new SourceConfigMaps(this, 'sources', {
      sources: props.sources,
      namePrefix: this.name,
      labels: standardLabels(this.name, 'build'),
    });
    this.buildJob = new BuildJob(this, 'build', {
      ...props.buildOptions,
      name: this.name,
      sources: props.sources,
      sourceConfigMaps: this.sourceConfigMaps,
      signing: props.signing,
      image: props.image,
      defaultAptlyConfig: props.defaultAptlyConfig,
      labels: standardLabels(this.name, 'build'),
    });
    this.contentHash = this.buildJob.contentHash;
    this.imageRef = this.buildJob.imageRef;
  }
}
