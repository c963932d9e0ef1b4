import { AccessLog } from './access-log';
import { SERVING_ROOT } from '../contract/paths';
import { readAsset } from '../util/assets';
import { checkWholeNumber } from '../util/checks';
import { contentHash } from '../util/hash';

/**
 * Options of the serving nginx configuration.
 */
export interface NginxConfigOptions {
  /**
   * Directory listings (`autoindex`), as the seed served them. Handy for people browsing the
   * mirror; apt does not need them.
   * @default true
   */
  readonly autoindex?: boolean;
  /**
   * Access log format.
   * @default AccessLog.json()
   */
  readonly accessLog?: AccessLog;
  /**
   * nginx worker processes. A number rather than `auto`, because `auto` counts the node's CPUs,
   * not the container's CPU limit.
   * @default 2
   */
  readonly workerProcesses?: number;
  /**
   * Connections per worker.
   * @default 1024
   */
  readonly workerConnections?: number;
  /**
   * Also listen on `[::]:8080`. Only for clusters whose pods have IPv6: nginx refuses to start
   * when the address family is missing.
   * @default false
   */
  readonly listenIpv6?: boolean;
}

/**
 * The serving nginx's main configuration (`nginx.conf`), rendered from `assets/nginx.conf`.
 * It replaces the base image's main configuration: listens on 8080 as a non-root user, serves
 * `/srv/mirror` read-only (GET and HEAD only, no dotfiles, no symlinks followed), answers
 * `/healthz`, keeps pid and temp files under `/tmp` and logs JSON to stdout and errors to stderr.
 *
 * @example
 * const config = new NginxConfig({ autoindex: false, accessLog: AccessLog.combined() });
 * config.text; // the nginx.conf
 * config.hash; // changes whenever the text changes
 */
export class NginxConfig {
  /**
   * Port nginx listens on (the unprivileged image's port).
   * @example { containerPort: NginxConfig.PORT }
   */
  public static readonly PORT = 8080;
  /**
   * Directory the configuration is mounted at in the serving container.
   * @example `${NginxConfig.CONFIG_DIR}/${NginxConfig.FILE_NAME}` // '/etc/mini-mirror/nginx/nginx.conf'
   */
  public static readonly CONFIG_DIR = '/etc/mini-mirror/nginx';
  /**
   * File name of the configuration (ConfigMap key).
   * @example { [NginxConfig.FILE_NAME]: new NginxConfig().text }
   */
  public static readonly FILE_NAME = 'nginx.conf';
  /**
   * Path answering 200 while nginx runs (liveness).
   * @example { httpGet: { path: NginxConfig.HEALTH_PATH, port: k8s.IntOrString.fromNumber(NginxConfig.PORT) } }
   */
  public static readonly HEALTH_PATH = '/healthz';
  /**
   * The served tree.
   * @example `COPY public/ ${NginxConfig.ROOT}/` // in a Dockerfile that bakes the tree
   */
  public static readonly ROOT = SERVING_ROOT;

  /** The nginx.conf text. */
  public readonly text: string;
  /** SHA-256 (hex) of the text. */
  public readonly hash: string;

  public constructor(options: NginxConfigOptions = {}) {
    const workers = checkWholeNumber('workerProcesses', options.workerProcesses ?? 2, 1, 64);
    const connections = checkWholeNumber('workerConnections', options.workerConnections ?? 1024, 16, 65536);
    const values: Record<string, string> = {
      WORKER_PROCESSES: String(workers),
      WORKER_CONNECTIONS: String(connections),
      ERROR_LOG_LEVEL: 'warn',
      ACCESS_LOG: (options.accessLog ?? AccessLog.json()).directive,
      AUTOINDEX: (options.autoindex ?? true) ? 'on' : 'off',
      LISTEN_IPV6: options.listenIpv6 ? `        listen [::]:${NginxConfig.PORT} default_server;` : '',
    };
    this.text = renderTemplate(readAsset('nginx.conf'), values);
    this.hash = contentHash(this.text);
  }
}

/** Fills `{{NAME}}` placeholders; a line holding only an empty placeholder disappears. */
function renderTemplate(template: string, values: Record<string, string>): string {
  const lines: string[] = [];
  for (const line of template.split('\n')) {
    const alone = /^\s*\{\{([A-Z0-9_]+)\}\}\s*$/.exec(line);
    if (alone && values[alone[1]] === '') continue;
    lines.push(line.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, name: string) => {
      const value = values[name];
      // A placeholder without a value is a bug in this file, not a user error.
      if (value === undefined) throw new Error(`nginx template placeholder ${name} has no value`);
      return value;
    }));
  }
  return lines.join('\n');
}
