// Downloads with curl: proxy settings from the environment, no https->http downgrade on redirect,
// a stall timeout (no byte for `stallSeconds` aborts the transfer) and retries with backoff.
import * as fs from 'fs';
import * as path from 'path';
import { BuildLog } from './log';
import { BuildError, run } from './proc';

export interface FetchSettings {
  /** Attempts per file. */
  readonly retries: number;
  /** A transfer that receives nothing for this long is aborted (and retried). */
  readonly stallSeconds: number;
}

export type FetchResult = 'ok' | 'missing';

const MISSING = new Set(['404', '403', '410']);

export class Fetcher {
  constructor(private readonly settings: FetchSettings, private readonly log: BuildLog) {}

  public get stallSeconds(): number {
    return this.settings.stallSeconds;
  }

  /** Downloads `url` to `dest`. 'missing' for 404/403/410 (never retried); throws after the last failed attempt. */
  public async download(url: string, dest: string, what: string): Promise<FetchResult> {
    const tmp = `${dest}.part`;
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    let delay = 1;
    let reason = '';
    for (let attempt = 1; attempt <= this.settings.retries; attempt++) {
      const r = await run('curl', [
        '--silent', '--show-error', '--location', '--globoff',
        '--proto', '=https,http', '--proto-redir', url.startsWith('https://') ? '=https' : '=https,http',
        '--connect-timeout', '30',
        '--speed-limit', '1', '--speed-time', String(this.settings.stallSeconds),
        '--output', tmp, '--write-out', '%{http_code}', '--', url,
      ]);
      const status = r.stdout.trim();
      if (r.code === 0 && status === '200') {
        await fs.promises.rename(tmp, dest);
        return 'ok';
      }
      await fs.promises.rm(tmp, { force: true });
      if (r.code === 0 && MISSING.has(status)) return 'missing';
      reason = r.code === 28
        ? `stalled: no data for ${this.settings.stallSeconds}s`
        : r.code !== 0 ? r.stderr.trim().replace(/^curl: \(\d+\) /, '') || `curl exit ${r.code}` : `HTTP ${status}`;
      if (attempt < this.settings.retries) {
        this.log.warn(`${what}: ${url}: ${reason} (attempt ${attempt}/${this.settings.retries}), retrying in ${delay}s`);
        await new Promise(res => setTimeout(res, delay * 1000));
        delay = Math.min(delay * 2, 30);
      }
    }
    throw new BuildError(`${what}: cannot download ${url} after ${this.settings.retries} attempts: ${reason}`);
  }
}

/**
 * One upstream's files, downloaded once into a cache directory (concurrent requests for the same
 * path share one download). aptly reads them through `LocalUpstreamServer`.
 */
export class UpstreamCache {
  private readonly pending = new Map<string, Promise<FetchResult>>();
  /** Downloads that failed for good: aptly only sees a 502, the build reports these. */
  public readonly failures: string[] = [];

  constructor(
    public readonly upstreamUrl: string,
    public readonly dir: string,
    private readonly fetcher: Fetcher,
    private readonly what: string,
  ) {}

  public get stallSeconds(): number {
    return this.fetcher.stallSeconds;
  }

  /** The cache file of a path relative to the upstream URL ('dists/x/Release'), or undefined if unsafe. */
  public fileOf(rel: string): string | undefined {
    const norm = path.posix.normalize(rel).replace(/^\/+/, '');
    if (norm === '' || norm === '.' || norm.startsWith('..')) return undefined;
    return path.join(this.dir, norm);
  }

  public urlOf(rel: string): string {
    const base = this.upstreamUrl.endsWith('/') ? this.upstreamUrl : `${this.upstreamUrl}/`;
    return base + path.posix.normalize(rel).replace(/^\/+/, '');
  }

  /** Downloads `rel` unless cached. */
  public get(rel: string): Promise<FetchResult> {
    const file = this.fileOf(rel);
    if (!file) return Promise.resolve('missing');
    let p = this.pending.get(file);
    if (!p) {
      p = fs.promises.access(file).then(() => 'ok' as FetchResult, () => this.fetcher.download(this.urlOf(rel), file, this.what));
      this.pending.set(file, p);
      // A failed download may be asked for again (aptly retries).
      p.catch((e: Error) => {
        this.pending.delete(file);
        this.failures.push(e.message);
      });
    }
    return p;
  }

  /** Forgets a cached file (e.g. a .deb aptly has taken into its pool). */
  public async drop(rel: string): Promise<void> {
    const file = this.fileOf(rel);
    if (!file) return;
    this.pending.delete(file);
    await fs.promises.rm(file, { force: true });
  }
}
