// Downloads with curl: proxy settings from the environment, no https->http downgrade on redirect,
// a stall timeout (no byte for `stallSeconds` aborts the transfer) and retries with backoff.
import * as fs from 'fs';
import * as path from 'path';
import { BuildLog } from './log';
import { BuildError, run, stopping } from './proc';
import type { ReleaseInfo } from './release';

export interface FetchSettings {
  /** Attempts per file. */
  readonly retries: number;
  /** A transfer that receives nothing for this long is aborted (and retried). */
  readonly stallSeconds: number;
}

export type FetchResult = 'ok' | 'missing';

const MISSING = new Set(['404', '403', '410']);

/** curl's config-file quoting (values in double quotes, backslash escapes). */
function curlQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class Fetcher {
  constructor(private readonly settings: FetchSettings, private readonly log: BuildLog) {}

  private commonArgs(url: string): string[] {
    return [
      '--silent', '--show-error', '--location', '--globoff',
      '--proto', '=https,http', '--proto-redir', url.startsWith('https://') ? '=https' : '=https,http',
      '--connect-timeout', '30',
      '--speed-limit', '1', '--speed-time', String(this.settings.stallSeconds),
    ];
  }

  /**
   * Downloads many files of one upstream with one curl process (parallel transfers over reused
   * connections: a process per file costs more CPU than the transfer of a small package).
   * Resolves per destination with 'ok' or 'missing'; a file that fails every attempt gets an Error.
   */
  public async downloadMany(items: ReadonlyArray<{ url: string; dest: string }>, parallel: number,
    what: string): Promise<Map<string, FetchResult | Error>> {
    const results = new Map<string, FetchResult | Error>();
    let todo = [...items];
    let delay = 1;
    for (let attempt = 1; todo.length && attempt <= this.settings.retries; attempt++) {
      for (const dir of new Set(todo.map(i => path.dirname(i.dest)))) await fs.promises.mkdir(dir, { recursive: true });
      const config = todo.map(i => `url = ${curlQuote(i.url)}\noutput = ${curlQuote(`${i.dest}.part`)}\n`).join('');
      const r = await run('curl', [...this.commonArgs(todo[0].url), '--parallel', '--parallel-immediate', '--parallel-max', String(Math.max(1, parallel)),
        '--write-out', '%{exitcode}\t%{http_code}\t%{filename_effective}\t%{errormsg}\n', '--config', '-'], { input: config });
      if (stopping()) {
        // The build failed elsewhere and stopped curl: no retries, and no warnings that would
        // read like this download's own trouble.
        for (const item of todo) results.set(item.dest, new BuildError(`${what}: ${item.url}: not downloaded, the build is stopping`));
        return results;
      }
      const outcome = new Map<string, [number, string, string]>();
      for (const line of r.stdout.split('\n')) {
        const [code, status, file, message] = line.split('\t');
        if (file) outcome.set(file, [Number(code), status, message ?? '']);
      }
      const failed: Array<{ url: string; dest: string; reason: string }> = [];
      for (const item of todo) {
        const [code, status, message] = outcome.get(`${item.dest}.part`) ?? [-1, '', ''];
        if (code === 0 && status === '200') {
          await fs.promises.rename(`${item.dest}.part`, item.dest);
          results.set(item.dest, 'ok');
          continue;
        }
        await fs.promises.rm(`${item.dest}.part`, { force: true });
        if (code === 0 && MISSING.has(status)) {
          results.set(item.dest, 'missing');
          continue;
        }
        const reason = code === 28 ? `stalled: no data for ${this.settings.stallSeconds}s`
          : code === -1 ? (r.stderr.trim().split('\n').pop() || `curl exit ${r.code}`) : code !== 0 ? message || `curl error ${code}` : `HTTP ${status}`;
        failed.push({ ...item, reason });
      }
      if (failed.length && attempt < this.settings.retries) {
        for (const f of failed.slice(0, 5)) this.log.warn(`${what}: ${f.url}: ${f.reason} (attempt ${attempt}/${this.settings.retries}), retrying in ${delay}s`);
        if (failed.length > 5) this.log.warn(`${what}: ... and ${failed.length - 5} more downloads failed (attempt ${attempt}/${this.settings.retries}), retrying`);
        await new Promise(res => setTimeout(res, delay * 1000));
        delay = Math.min(delay * 2, 30);
      } else {
        for (const f of failed) results.set(f.dest, new BuildError(`${what}: cannot download ${f.url} after ${this.settings.retries} attempts: ${f.reason}`));
      }
      todo = failed;
    }
    return results;
  }

  /** Downloads `url` to `dest`. 'missing' for 404/403/410 (never retried); throws after the last failed attempt. */
  public async download(url: string, dest: string, what: string): Promise<FetchResult> {
    const result = (await this.downloadMany([{ url, dest }], 1, what)).get(dest)!;
    if (result instanceof Error) throw result;
    return result;
  }

}

/**
 * One upstream's files, downloaded once into a cache directory (concurrent requests for the same
 * path share one download). aptly reads them through `LocalUpstreamServer`.
 */
export class UpstreamCache {
  private readonly pending = new Map<string, Promise<FetchResult>>();
  /** The upstream's verified Release, once read: index files it does not list are not asked for. */
  public release?: ReleaseInfo;
  /** Paths that answer "missing" whatever upstream has (see `pin`). */
  private readonly hidden = new Set<string>();
  /** Downloads that failed for good: aptly only sees a 502, the build reports these. */
  public readonly failures: string[] = [];
  /** Downloads started as guesses (`speculate`): their failures are recorded only if asked for in earnest. */
  private readonly speculative = new WeakSet<Promise<FetchResult>>();

  constructor(
    public readonly upstreamUrl: string,
    public readonly dir: string,
    private readonly fetcher: Fetcher,
    private readonly what: string,
  ) {}


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

  /** Downloads many paths (one curl process, `parallel` transfers); later `get`s of them share the result. */
  public async prefetch(rels: readonly string[], parallel: number): Promise<void> {
    const items: Array<{ url: string; dest: string; resolve: (r: FetchResult) => void; reject: (e: Error) => void }> = [];
    for (const rel of rels) {
      const file = this.fileOf(rel);
      if (!file || this.pending.has(file)) continue;
      let resolve!: (r: FetchResult) => void;
      let reject!: (e: Error) => void;
      const p = new Promise<FetchResult>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.track(file, p, true);
      items.push({ url: this.urlOf(rel), dest: file, resolve, reject });
    }
    for (let i = 0; i < items.length; i += 2000) {
      const batch = items.slice(i, i + 2000);
      const results = await this.fetcher.downloadMany(batch, parallel, this.what);
      for (const item of batch) {
        const r = results.get(item.dest) ?? new BuildError(`${this.what}: no result for ${item.url}`);
        if (r instanceof Error) item.reject(r);
        else item.resolve(r);
      }
    }
  }

  /**
   * Starts downloading `rel` ahead of need (a guess): a failure is not recorded in `failures`,
   * which explain later failures of aptly, and is retried when `rel` is asked for in earnest.
   */
  public speculate(rel: string): void {
    void this.get(rel, false).catch(() => undefined);
  }

  /** Downloads `rel` unless cached. */
  public get(rel: string, recordFailure = true): Promise<FetchResult> {
    const file = this.fileOf(rel);
    if (!file) return Promise.resolve('missing');
    if (this.unlistedIndex(rel) || this.hidden.has(file)) return Promise.resolve('missing');
    let p = this.pending.get(file);
    if (!p) {
      p = fs.promises.access(file).then(() => 'ok' as FetchResult, () => this.fetcher.download(this.urlOf(rel), file, this.what));
      this.track(file, p, recordFailure);
    } else if (recordFailure && this.speculative.has(p)) {
      // Asked for in earnest while the guess is still downloading: its failure counts now.
      p.catch((e: Error) => this.failures.push(e.message));
    }
    return p;
  }

  private track(file: string, p: Promise<FetchResult>, recordFailure: boolean): void {
    this.pending.set(file, p);
    if (!recordFailure) this.speculative.add(p);
    // A failed download may be asked for again (aptly retries).
    p.catch((e: Error) => {
      this.pending.delete(file);
      if (recordFailure) this.failures.push(e.message);
    });
  }

  /** An index (Packages, Sources, ...) of the verified Release's directory that it does not list: aptly probes compressions. */
  private unlistedIndex(rel: string): boolean {
    const release = this.release;
    if (!release || !release.files.size || !rel.startsWith(release.base)) return false;
    const inner = rel.slice(release.base.length);
    return /(^|\/)(Packages|Sources|Contents-[^/]*|Translation-[^/]*)(\.[a-z0-9]+)?$/.test(inner) && !release.files.has(inner);
  }

  /**
   * From now on `rel` holds exactly `content` (aptly reads it), whatever upstream serves there;
   * `hide` paths answer "missing". Used to hand aptly the Release text that gpgv verified,
   * instead of an InRelease file that could carry more than its signed part.
   */
  public async pin(rel: string, content: string, hide: readonly string[]): Promise<void> {
    const file = this.fileOf(rel)!;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, content);
    this.pending.set(file, Promise.resolve('ok'));
    for (const h of hide) this.hidden.add(this.fileOf(h)!);
  }

  /** Forgets a cached file (e.g. a .deb aptly has taken into its pool). */
  public async drop(rel: string): Promise<void> {
    const file = this.fileOf(rel);
    if (!file) return;
    this.pending.delete(file);
    await fs.promises.rm(file, { force: true });
  }
}
