import { ApiObject, Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { BuildJob } from './build-job/build-job';
import { BuildOptions, DEFAULT_BUILD_DEADLINE, MirrorImageOptions } from './build-job/build-options';
import { planBuild } from './build-job/build-plan';
import { planSourceConfigMaps, SourceConfigMaps } from './build-job/source-config-maps';
import { AptSourcesOptions } from './clients/apt-sources';
import { ClientConfig } from './clients/client-config';
import { checkBaseUrl, KEYRINGS_DIR, sourcesFile } from './clients/deb822';
import { SmokeTest, SmokeTestOptions } from './clients/smoke-test';
import { MirrorServer } from './serving/mirror-server';
import { inClusterServiceUrl } from './serving/service-url';
import { ServingOptions } from './serving/serving-options';
import { ReleaseSigning } from './signing/release-signing';
import { AptlyConfig } from './sources/aptly-config';
import { checkMirrorArchitectures, DEFAULT_ARCHITECTURES } from './sources/architectures';
import { MirrorSource } from './sources/mirror-source';
import { resolveSources } from './sources/resolution';
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
   * Architectures of the mirror's clients, mirrored for every source that does not say
   * otherwise. Per source, the first that applies: the source's own `architectures`; the
   * `architectures` of its aptly config (its own `aptly.conf`, else `defaultAptlyConfig`) when
   * the config has that key, where an empty list means every architecture the upstream Release
   * lists; else this list. Never `all`: arch:all packages are mirrored with every architecture.
   * @default ['amd64']
   */
  readonly architectures?: string[];
  /**
   * Refresh epoch: part of the build identity (the build's inputs plus this), which names the
   * default image tag and is recorded in the served manifest.json. Bump it (e.g. to today's date)
   * to rebuild from the same inputs and take in upstream updates. Reverting the bump serves the
   * previous image with its older `Date`, which apt clients that updated ignore: roll back with
   * `buildJob.rollbackTo` instead (README, "Day two"). 1 to 64 letters, digits, '.', '_' or '-'.
   * @default - none: the build identity is the content hash of the inputs
   * @example '2026-11-27'
   */
  readonly refreshEpoch?: string;
  /**
   * Whether the mirror follows Recommends, as apt installs them by default: each world's
   * dependency closure (and aptly's `-filter-with-deps`) takes the Recommends of every mirrored
   * package from whichever upstream of the world has them, so a client with apt's defaults finds
   * everything it wants. Set false for a smaller mirror: the client ConfigMap then carries
   * `ClientConfig.NO_RECOMMENDS_FILE` (`APT::Install-Recommends "false";`) for
   * `/etc/apt/apt.conf.d/`, so clients agree with it (for images built with `aptSources()`, write
   * `clientConfig.data[ClientConfig.NO_RECOMMENDS_FILE]` there too). A source's aptly config with
   * `dependencyFollowRecommends: true` follows Recommends for that source even when this is
   * false; `false` there (aptly's default) does not turn them off for one source, since a
   * client installs the Recommends of every package it installs. Suggests are never followed.
   * @default true
   */
  readonly recommends?: boolean;
  /**
   * Publish every Release with `Valid-Until` this long after its `Date` (the latest of the newest
   * upstream Release Date, the previous build's date, `refreshEpoch` when it is a date such as
   * `2026-11-27`, and the signing key's time): apt refuses an expired Release ("is expired"), so a
   * mirror nobody rebuilds in time stops working for every client instead of silently serving
   * frozen packages. Rebuild with a new date as `refreshEpoch` well within it; the build fails if
   * the Release would be expired already. From 1 hour to 3650 days.
   * @default - no Valid-Until: clients accept the mirror however old it is
   * @example Duration.days(14)
   */
  readonly validFor?: Duration;
  // Named after the Job it configures, like smokeTest (`build` is reserved by jsii: JSII5016).
  /**
   * How the build Job runs.
   * @default - see `BuildOptions`
   */
  readonly buildJob?: BuildOptions;
  /**
   * How the mirror is served (nginx Deployment, Service, Ingress, PodDisruptionBudget,
   * NetworkPolicy).
   * @default - 2 replicas behind a ClusterIP Service on port 80, no Ingress
   */
  readonly serving?: ServingOptions;
  /**
   * What the client ConfigMap's `.sources` files look like (`keyPath` for the key-file form,
   * `baseUrl` for a URL of your own).
   * @default - the key embedded in Signed-By, the Ingress or Service URL
   */
  readonly clients?: AptSourcesOptions;
  /**
   * The smoke-test Job that checks the served mirror with apt-get; `{ enabled: false }` leaves it out.
   * @default - a smoke test, see `SmokeTestOptions`
   */
  readonly smokeTest?: SmokeTestOptions;
  /**
   * Build the mirror in this cluster (a build Job and its ConfigMaps). Set false to serve an
   * image built elsewhere: `mini-mirror build` on a connected host writes it as an OCI layout
   * under the tag this app derives from the same inputs (the build identity), and you copy it into
   * `image.repository` (`skopeo copy`); then nothing in this app needs the internet.
   * @default true
   */
  readonly inClusterBuild?: boolean;
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
  /**
   * The sources, validated, each with its world and architectures resolved (copies of the
   * given sources: `world` is set for every source, and `architectures` lists what is mirrored,
   * empty meaning every architecture upstream lists).
   */
  public readonly sources: MirrorSource[];
  /** Content hash of every build input. */
  public readonly contentHash: string;
  /**
   * What this build is: its inputs and the refresh epoch (the content hash without one). The
   * default image tag is its first 20 hex digits; the served manifest.json records it.
   */
  public readonly buildIdentity: string;
  /** The serving image reference. */
  public readonly imageRef: string;
  /** The nginx Deployment, its config, Service, Ingress, PodDisruptionBudget and NetworkPolicy. */
  public readonly server: MirrorServer;
  /** The client ConfigMap (`mirror-key.asc` and one `.sources` file per source). */
  public readonly clientConfig: ClientConfig;
  /** The smoke-test Job, unless disabled. */
  public readonly smokeTest?: SmokeTest;
  /**
   * Base URL clients use (scheme, host, optional port; each source is below `/<prefix>`):
   * `https://<ingress host>` with an Ingress with TLS, `http://<ingress host>` without, else the
   * Service's in-cluster DNS name.
   */
  public readonly baseUrl: string;
  /** Where the key-file form of `Signed-By` expects the key: `/etc/apt/keyrings/<name>.asc`. */
  public readonly defaultKeyPath: string;
  private readonly signing: ReleaseSigning;
  private readonly clientKeyPath?: string;
  private readonly builtHere?: { readonly sourceConfigMaps: SourceConfigMaps; readonly buildJob: BuildJob };

  public constructor(scope: Construct, id: string, props: MiniMirrorProps) {
    super(scope, id);
    this.name = checkBaseName(props.name ?? id);
    checkPropNames(props);
    const build = props.buildJob ?? {};
    // `enabled` is MiniMirror's to read: SmokeTest always makes its Job.
    const { enabled: smokeTestEnabled, ...smokeTestOptions } = props.smokeTest ?? {};
    const smokeTest = smokeTestEnabled === false ? undefined : smokeTestOptions;
    this.sources = checkedSources(props);
    this.signing = props.signing;
    const sourceMaps = { sources: this.sources, namePrefix: this.name, labels: standardLabels(this.name, 'build') };
    const buildProps = {
      ...build,
      name: this.name,
      sources: this.sources,
      signing: props.signing,
      image: props.image,
      defaultAptlyConfig: props.defaultAptlyConfig,
      labels: standardLabels(this.name, 'build'),
      refreshEpoch: props.refreshEpoch,
      recommends: props.recommends,
      // The previous build's manifest, as the mirror's Service serves it (the server is made below).
      servedMirrorUrl: this.servedMirrorUrl(props),
      validFor: props.validFor,
    };
    // A build elsewhere (inClusterBuild: false) has the same identity, tag and image reference,
    // from the same plan; only the build's objects are not made.
    let plan: { readonly contentHash: string; readonly buildIdentity: string; readonly imageRef: string };
    if (props.inClusterBuild === false) {
      if (props.buildJob?.rollbackTo) {
        throw new Error('buildJob.rollbackTo is a rollback by the build Job, but inClusterBuild is false: roll back on the host that builds '
          + '(mini-mirror build --rollback-to docker://REGISTRY/REPOSITORY:TAG) and deploy that image, or remove rollbackTo');
      }
      plan = planBuild({ ...buildProps, sourcesHash: planSourceConfigMaps(sourceMaps).contentHash });
    } else {
      const sourceConfigMaps = new SourceConfigMaps(this, 'sources', sourceMaps);
      const buildJob = new BuildJob(this, 'build', { ...buildProps, sourceConfigMaps });
      this.builtHere = { sourceConfigMaps, buildJob };
      plan = buildJob;
    }
    this.contentHash = plan.contentHash;
    this.buildIdentity = plan.buildIdentity;
    this.imageRef = plan.imageRef;
    this.defaultKeyPath = `${KEYRINGS_DIR}/${this.name}.asc`;

    // The new image exists once the build has pushed it: rollouts and the smoke test wait that long.
    const buildWait = Duration.seconds((build.activeDeadline ?? DEFAULT_BUILD_DEADLINE).toSeconds() + 30 * 60);
    this.server = this.newServer(props, buildWait, smokeTest !== undefined);
    if (this.server.serviceUrl() !== this.servedMirrorUrl(props)) throw new Error(`internal error: the build reads the previous manifest from ${this.servedMirrorUrl(props)}, the Service is ${this.server.serviceUrl()}`);
    this.clientKeyPath = props.clients?.keyPath;
    this.baseUrl = props.clients?.baseUrl !== undefined
      ? checkBaseUrl(props.clients.baseUrl)
      : props.serving?.ingress ? `${props.serving.ingress.tlsSecretName ? 'https' : 'http'}://${props.serving.ingress.host}` : this.server.serviceUrl();
    this.clientConfig = new ClientConfig(this, 'client', {
      name: this.name,
      sources: this.sources,
      signing: props.signing,
      baseUrl: this.baseUrl,
      keyPath: props.clients?.keyPath,
      recommends: props.recommends,
      labels: standardLabels(this.name, 'client'),
      annotations: this.annotations(),
      server: this.server,
    });
    if (smokeTest) this.smokeTest = this.newSmokeTest({ waitTimeout: buildWait, ...smokeTest });
    this.annotateAll();
  }

  /** The source ConfigMaps (an error when `inClusterBuild` is false: there are none). */
  public get sourceConfigMaps(): SourceConfigMaps {
    return this.inClusterBuild('sourceConfigMaps').sourceConfigMaps;
  }

  /** The build Job (an error when `inClusterBuild` is false: there is none). */
  public get buildJob(): BuildJob {
    return this.inClusterBuild('buildJob').buildJob;
  }

  /**
   * The deb822 `.sources` text of every source of the mirror, one stanza each, e.g. for VM
   * images or other charts. The same text as the client ConfigMap's files: options not given
   * default to the mirror's `clients` options.
   * @example
   * fs.writeFileSync('mirror.sources', mirror.aptSources());
   * mirror.aptSources({ keyPath: mirror.defaultKeyPath }); // reference /etc/apt/keyrings/<name>.asc
   */
  public aptSources(options: AptSourcesOptions = {}): string {
    return sourcesFile(this.sources, this.urlFor(options), this.signing, options.keyPath ?? this.clientKeyPath);
  }

  /**
   * The deb822 `.sources` text of the source published as `<prefix>/dists/<distribution>`, as in
   * the client ConfigMap (options not given default to the mirror's `clients` options). For a
   * flat repository, `distribution` is the name it is published under.
   * @example mirror.sourcesFileFor('debian', 'bookworm')
   */
  public sourcesFileFor(prefix: string, distribution: string, options: AptSourcesOptions = {}): string {
    const source = this.sources.find(s => s.prefix === prefix && s.publishDistribution === distribution);
    if (!source) {
      const known = this.sources.map(s => `${s.prefix}/${s.publishDistribution}`).join(', ');
      throw new Error(`no source publishes ${prefix}/dists/${distribution} (known: ${known})`);
    }
    return sourcesFile([source], this.urlFor(options), this.signing, options.keyPath ?? this.clientKeyPath);
  }

  /** The build's objects, which only an in-cluster build has. */
  private inClusterBuild(property: string): { readonly sourceConfigMaps: SourceConfigMaps; readonly buildJob: BuildJob } {
    if (!this.builtHere) throw new Error(`mirror ${this.name} has inClusterBuild: false, so it has no ${property}: the build runs elsewhere (mini-mirror build)`);
    return this.builtHere;
  }

  /** The nginx Deployment, its Service and the rest, serving the image once the build pushed it. */
  private newServer(props: MiniMirrorProps, progressDeadline: Duration, smokeTest: boolean): MirrorServer {
    const first = this.sources[0];
    return new MirrorServer(this, 'server', {
      ...props.serving,
      name: this.name,
      imageRef: this.imageRef,
      imageDigest: props.image.digest,
      pullSecretName: props.image.pullSecretName,
      // A real index file of the new tree: a pod is ready only once it serves the build.
      readinessPath: `/${first.prefix}/dists/${first.publishDistribution}/${props.signing.signed ? 'InRelease' : 'Release'}`,
      labels: standardLabels(this.name, 'server'),
      annotations: this.annotations(),
      smokeTestSelector: smokeTest ? selectorOf(standardLabels(this.name, 'smoke-test')) : undefined,
      // The build pod reads the served manifest.json (PreviousManifest.fromServedMirror()).
      buildSelector: props.inClusterBuild !== false && (props.buildJob?.previousManifest?.kind ?? 'served') === 'served'
        ? selectorOf(standardLabels(this.name, 'build')) : undefined,
      progressDeadline,
    });
  }

  /** The in-cluster URL the server's Service will have (`MirrorServer.serviceUrl()`), known before the server is made. */
  private servedMirrorUrl(props: MiniMirrorProps): string {
    return inClusterServiceUrl(`${this.name}-server`, Chart.of(this).namespace, props.serving?.servicePort ?? 80, props.serving?.clusterDomain ?? 'cluster.local');
  }

  /** The Job that checks the served mirror with apt-get, through the client ConfigMap. */
  private newSmokeTest(options: SmokeTestOptions): SmokeTest {
    return new SmokeTest(this, 'smoke-test', {
      ...options,
      name: this.name,
      buildIdentity: this.buildIdentity,
      sources: this.sources,
      clientConfig: this.clientConfig,
      keyPath: this.signing.signed ? this.clientKeyPath : undefined,
      clientUrl: this.baseUrl,
      serviceUrl: this.server.serviceUrl(),
      labels: standardLabels(this.name, 'smoke-test'),
      annotations: this.annotations(),
    });
  }

  /** Annotations of every object: an unsigned mirror's carry the warning, so it shows up in reviews and audits. */
  private annotations(): { [key: string]: string } | undefined {
    const annotations = this.signing._annotations();
    return Object.keys(annotations).length ? annotations : undefined;
  }

  /**
   * Objects made by constructs that take no annotations (e.g. the source ConfigMaps) get them
   * too: every object of an unsigned mirror carries the warning.
   */
  private annotateAll(): void {
    for (const [key, value] of Object.entries(this.annotations() ?? {})) {
      for (const child of this.node.findAll()) {
        if (child instanceof ApiObject) child.metadata.addAnnotation(key, value);
      }
    }
  }

  private urlFor(options: AptSourcesOptions): string {
    return options.baseUrl !== undefined ? checkBaseUrl(options.baseUrl) : this.baseUrl;
  }
}

/** The sources, checked, each with its world and architectures resolved. */
function checkedSources(props: MiniMirrorProps): MirrorSource[] {
  if (!props.sources || props.sources.length === 0) throw new Error('no sources: pass at least one MirrorSource (e.g. MirrorSource.fromDirectory("./sources"))');
  MirrorSource.checkUnique(props.sources);
  const architectures = props.architectures ?? [...DEFAULT_ARCHITECTURES];
  const problems = checkMirrorArchitectures(architectures);
  if (problems.length) throw new Error(`invalid architectures ${JSON.stringify(architectures)}: ${problems.join('; ')}`);
  return resolveSources(props.sources, { architectures, defaultAptlyConfig: props.defaultAptlyConfig });
}

/** The labels that select a component's pods (managed-by is not needed to tell them apart). */
function selectorOf(labels: { [key: string]: string }): { [key: string]: string } {
  const { ['app.kubernetes.io/managed-by']: _managedBy, ...selector } = labels;
  return selector;
}

/** Props an earlier version took, and what replaced them. */
const RENAMED_PROPS: { readonly [old: string]: string } = {
  buildOptions: 'buildJob',
  build: 'buildJob',
  smokeTestOptions: 'smokeTest',
};

/**
 * What the type checker says in TypeScript, for JavaScript callers and transpile-only builds: an
 * old prop name would be ignored, and `smokeTest: false` would read as "on".
 */
function checkPropNames(props: MiniMirrorProps): void {
  for (const [old, now] of Object.entries(RENAMED_PROPS)) {
    if ((props as unknown as Record<string, unknown>)[old] !== undefined) throw new Error(`${old} is not a MiniMirror prop: its options are now given as ${now}`);
  }
  const smokeTest: unknown = props.smokeTest;
  if (smokeTest !== undefined && (typeof smokeTest !== 'object' || smokeTest === null || Array.isArray(smokeTest))) {
    throw new Error(`smokeTest takes SmokeTestOptions, not ${JSON.stringify(smokeTest)}: give smokeTest: { enabled: false } to leave the smoke test out`);
  }
}
