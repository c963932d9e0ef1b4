import * as fs from 'fs';
import { parseAptlyConfigText } from './aptly-config-text';
import { checkArchitecture } from './validation';
import { wholeNumberProblem } from '../util/checks';
import { stableStringify } from '../util/stable-json';

/**
 * Typed subset of aptly's configuration file. Everything else keeps aptly's defaults.
 * `rootDir` is always set by the build script (one rootDir per source).
 */
export interface AptlyConfigProps {
  /**
   * Parallel downloads per source, at most: set it to spare an upstream that limits connections.
   * @default - not limited here: the build downloads 16 packages of a source at a time
   */
  readonly downloadConcurrency?: number;
  /**
   * How often aptly retries a failed download.
   * @default 3
   */
  readonly downloadRetries?: number;
  /**
   * Architectures to mirror for the sources that use this config and list none themselves;
   * never `all`. An empty list means every architecture the upstream Release file lists
   * (about 8 times the download of amd64 alone for Debian).
   * @default - the mirror's `architectures` (`MiniMirrorProps.architectures`)
   */
  readonly architectures?: string[];
  /**
   * Pull in `Suggests` when resolving dependencies.
   * @default false
   */
  readonly dependencyFollowSuggests?: boolean;
  /**
   * Pull in `Recommends` when resolving dependencies. The mirror follows them anyway unless
   * `MiniMirrorProps.recommends` is false; `true` here then still follows them for the sources
   * of this config, `false` never turns them off for some sources only (see `MiniMirrorProps.recommends`).
   * @default false
   */
  readonly dependencyFollowRecommends?: boolean;
  /**
   * Pull in every alternative of `a | b` dependencies, not just the first that resolves.
   * @default false
   */
  readonly dependencyFollowAllVariants?: boolean;
  /**
   * Pull in the source packages of mirrored binaries.
   * @default false
   */
  readonly dependencyFollowSource?: boolean;
  /**
   * Mirror source packages too. Such a source is mirrored and published by aptly rather than
   * indexed by the build runner itself.
   * @default false
   */
  readonly downloadSourcePackages?: boolean;
  /**
   * Do not publish `Contents` indices (file lists for `apt-file`, which apt itself never reads).
   * Set `false` to publish them: the source is then mirrored and published by aptly (the build
   * runner writes no Contents), which reads every package's file list, the larger part of a
   * publish (see the README's *Build speed*).
   * @default true
   */
  readonly skipContentsPublishing?: boolean;
  /**
   * Do not publish `.bz2` indices.
   * @default false
   */
  readonly skipBz2Publishing?: boolean;
}

/**
 * An aptly configuration: typed props, or a raw JSON file from the seed (`aptly.conf`).
 *
 * @example
 * const config = AptlyConfig.fromProps({ architectures: ['amd64'], dependencyFollowRecommends: true });
 * const seed = AptlyConfig.fromFile('./sources/debian/bookworm/aptly.conf');
 */
export class AptlyConfig {
  /**
   * The configuration from typed props.
   * @example AptlyConfig.fromProps({ downloadConcurrency: 8 })
   */
  public static fromProps(props: AptlyConfigProps = {}): AptlyConfig {
    const problems: string[] = [];
    for (const [key, value] of Object.entries({ downloadConcurrency: props.downloadConcurrency, downloadRetries: props.downloadRetries })) {
      const problem = value === undefined ? undefined : wholeNumberProblem(key, value, 1, 64);
      if (problem) problems.push(problem);
    }
    for (const arch of props.architectures ?? []) {
      const problem = checkArchitecture(arch);
      if (problem) problems.push(problem);
    }
    if (problems.length) throw new Error(`invalid aptly config: ${problems.join('; ')}`);
    const json: { [key: string]: any } = {
      // Absent unless given: a value here limits the build's own downloads too.
      ...(props.downloadConcurrency !== undefined ? { downloadConcurrency: props.downloadConcurrency } : {}),
      downloadRetries: props.downloadRetries ?? 3,
      // Absent unless given: the mirror's architectures apply (an empty list: all of upstream's).
      ...(props.architectures !== undefined ? { architectures: [...props.architectures] } : {}),
      dependencyFollowSuggests: props.dependencyFollowSuggests ?? false,
      dependencyFollowRecommends: props.dependencyFollowRecommends ?? false,
      dependencyFollowAllVariants: props.dependencyFollowAllVariants ?? false,
      dependencyFollowSource: props.dependencyFollowSource ?? false,
      downloadSourcePackages: props.downloadSourcePackages ?? false,
      skipContentsPublishing: props.skipContentsPublishing ?? true,
      skipBz2Publishing: props.skipBz2Publishing ?? false,
      // Upstream Release signatures are always checked; the build passes -keyring per source.
      gpgDisableVerify: false,
      gpgDisableSign: false,
      gpgProvider: 'gpg2',
    };
    return new AptlyConfig(json, 'typed aptly config');
  }

  /**
   * A raw aptly JSON config, e.g. parsed from a YAML source's `aptly_config`.
   * @example AptlyConfig.fromJson({ architectures: ['amd64'] }, 'sources.yaml')
   */
  public static fromJson(json: { [key: string]: any }, origin: string = 'aptly config'): AptlyConfig {
    const parsed = parseAptlyConfigText(JSON.stringify(json));
    if (parsed.error) throw new Error(`${origin}: ${parsed.error.message}`);
    return new AptlyConfig(parsed.json!, origin);
  }

  /**
   * A raw aptly JSON config file, as the seed's `APTLY_CONFIG_PATH` or a per-source `aptly.conf`.
   * Errors name the file and, for malformed JSON, the line.
   * @example AptlyConfig.fromFile('./aptly.conf')
   */
  public static fromFile(file: string): AptlyConfig {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${file}: cannot read aptly config: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const parsed = parseAptlyConfigText(text);
    if (parsed.error) throw new Error(`${file}:${parsed.error.line}: ${parsed.error.message}`);
    return new AptlyConfig(parsed.json!, file);
  }

  /** The config as aptly reads it (without `rootDir`, which the build script sets). */
  public readonly json: { [key: string]: any };
  /** Where the config came from, for error messages. */
  public readonly origin: string;

  private constructor(json: { [key: string]: any }, origin: string) {
    const copy = { ...json };
    delete copy.rootDir;
    this.json = copy;
    this.origin = origin;
  }

  /** True when the config turns off upstream signature verification (`gpgDisableVerify: true`). */
  public get disablesVerification(): boolean {
    return this.json.gpgDisableVerify === true;
  }

  /**
   * Architectures the config restricts mirroring to (empty: the config has none, or lists
   * none, which means all of upstream's; see `MirrorSourceProps.architectures`).
   */
  public get architectures(): string[] {
    return Array.isArray(this.json.architectures) ? [...(this.json.architectures as string[])] : [];
  }

  /**
   * Stable JSON text, as shipped in the ConfigMap.
   * @example AptlyConfig.fromProps({ architectures: ['amd64'] }).toJsonString()
   */
  public toJsonString(): string {
    return stableStringify(this.json, 2) + '\n';
  }
}

