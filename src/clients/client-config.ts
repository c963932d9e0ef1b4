import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { sourcesFileName, sourcesStanza } from './deb822';
import { clientUrlError } from '../serving/client-reach';
import { MirrorServer } from '../serving/mirror-server';
import { ReleaseSigning } from '../signing/release-signing';
import { MirrorSource } from '../sources/mirror-source';
import { resolvedSources } from '../sources/resolution';
import { configMap } from '../util/config-map';
import { checkConfigMapSize } from '../util/limits';

/**
 * Props for `ClientConfig`.
 */
export interface ClientConfigProps {
  /** Base name of the objects (the ConfigMap is `<name>-client`). */
  readonly name: string;
  /** The mirrored sources: one `.sources` file each. */
  readonly sources: MirrorSource[];
  /** How the mirror is signed (the key clients verify with). */
  readonly signing: ReleaseSigning;
  /** Base URL clients reach the mirror at, e.g. `http://mirror-server.apt.svc.cluster.local`. */
  readonly baseUrl: string;
  /**
   * The server the clients reach. When `baseUrl` is its in-cluster URL (`serviceUrl()`), that
   * URL must work for clients: refused for a NodePort Service (clients outside the cluster
   * cannot resolve it) and for a chart without a namespace (it would name no namespace).
   * @default - none: `baseUrl` is used as given (MiniMirror passes its server)
   */
  readonly server?: MirrorServer;
  /**
   * Refer to the key by this path instead of embedding it in `Signed-By`.
   * @default - the key is embedded
   */
  readonly keyPath?: string;
  /**
   * Whether the mirror follows Recommends (`MiniMirrorProps.recommends`). When it does not, the
   * ConfigMap carries an apt.conf.d fragment, `APT::Install-Recommends "false";`, so clients do
   * not want what the mirror does not have.
   * @default true
   */
  readonly recommends?: boolean;
  /**
   * Labels of the ConfigMap.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations of the ConfigMap.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/**
 * A ConfigMap for APT clients: the mirror's armored public key (`mirror-key.asc`), one deb822
 * file per source (`<prefix>-<distribution>.sources`) and, when the mirror does not follow
 * Recommends, the apt.conf.d fragment `99mini-mirror-no-recommends.conf`. Mount the `.sources`
 * files of one world (`sourcesFilesByWorld`) into `/etc/apt/sources.list.d/` (with `items`) and
 * the `aptConfFileNames` into `/etc/apt/apt.conf.d/`, or copy them into images: a client uses the
 * sources of its own release, e.g. bookworm's or jammy's.
 *
 * @example
 * const client = new ClientConfig(chart, 'client', { name: 'mirror', sources, signing, baseUrl: 'http://mirror-server.apt.svc.cluster.local' });
 * client.configMapName; // 'mirror-client'
 */
export class ClientConfig extends Construct {
  /**
   * ConfigMap key of the armored public key.
   * @example client.data[ClientConfig.KEY_FILE] // the armored public key, for the key-file form
   */
  public static readonly KEY_FILE = 'mirror-key.asc';

  /**
   * ConfigMap key of the apt.conf.d fragment of a mirror without Recommends
   * (`APT::Install-Recommends "false";`); `99` so that it is read after an image's own fragments.
   */
  public static readonly NO_RECOMMENDS_FILE = '99mini-mirror-no-recommends.conf';

  /** The ConfigMap. */
  public readonly configMap: ApiObject;
  /** `metadata.name` of the ConfigMap. */
  public readonly configMapName: string;
  /** Names of the `.sources` files (ConfigMap keys), in source order. */
  public readonly sourcesFileNames: string[];
  /**
   * Names of the `.sources` files of each dependency world (see `MirrorSourceProps.world`): the
   * files a client of that world mounts together.
   * @example client.sourcesFilesByWorld.bookworm // ['debian-bookworm.sources', 'debian-bookworm-updates.sources']
   */
  public readonly sourcesFilesByWorld: { [world: string]: string[] };
  /**
   * Names of the apt.conf.d fragments (ConfigMap keys) every client mounts into
   * `/etc/apt/apt.conf.d/`: `[NO_RECOMMENDS_FILE]` when the mirror does not follow Recommends, else none.
   */
  public readonly aptConfFileNames: string[];
  /** The ConfigMap's data. */
  public readonly data: { [key: string]: string };

  public constructor(scope: Construct, id: string, props: ClientConfigProps) {
    super(scope, id);
    const unreachable = props.server && clientUrlError(props.server, props.baseUrl);
    if (unreachable) throw unreachable;
    this.configMapName = `${props.name}-client`;
    const data: { [key: string]: string } = {};
    const key = props.signing.publicKey;
    if (key !== undefined) data[ClientConfig.KEY_FILE] = key.trim() + '\n';
    const owners = new Map<string, MirrorSource>();
    this.sourcesFileNames = [];
    this.sourcesFilesByWorld = {};
    for (const resolved of resolvedSources(props.sources)) {
      const source = resolved.source;
      const file = sourcesFileName(source);
      const other = owners.get(file);
      if (other) throw new Error(`sources ${other.id} and ${source.id} would both write the client file ${file}: change a prefix or distribution`);
      owners.set(file, source);
      data[file] = sourcesStanza(resolved, props.baseUrl, props.signing, props.keyPath);
      this.sourcesFileNames.push(file);
      (this.sourcesFilesByWorld[resolved.world] ??= []).push(file);
    }
    this.aptConfFileNames = [];
    if (props.recommends === false) {
      data[ClientConfig.NO_RECOMMENDS_FILE] = NO_RECOMMENDS;
      this.aptConfFileNames.push(ClientConfig.NO_RECOMMENDS_FILE);
    }
    const keyInEveryFile = props.keyPath === undefined && key !== undefined;
    checkConfigMapSize(this.configMapName, data, keyInEveryFile
      ? `the key is embedded in each of its ${this.sourcesFileNames.length} .sources files: set clients.keyPath (e.g. '/etc/apt/keyrings/${props.name}.asc') so they refer to one key file`
      : `it has one .sources file for each of ${this.sourcesFileNames.length} sources: split the sources over several MiniMirror instances`,
    keyInEveryFile ? 'clientKeyPath' : 'splitInstances');
    this.data = data;
    this.configMap = configMap(this, 'config-map', { name: this.configMapName, labels: props.labels, annotations: props.annotations, data });
  }
}

/** The fragment of a mirror without Recommends: apt's default would want packages it does not have. */
const NO_RECOMMENDS = [
  '// generated by cdk8s-mini-mirror: the mirror does not follow Recommends (recommends: false),',
  '// so its clients must not want them (apt installs Recommends by default)',
  'APT::Install-Recommends "false";',
  '',
].join('\n');
