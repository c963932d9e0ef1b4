// Downloads with curl: proxy settings from the environment, no https->http downgrade on redirect,
// a floor rate (slower than FLOOR_BYTES_PER_SECOND for the stall timeout is stalled: aborted and
// retried), an overall time bound and a byte cap per file (download-limits.ts), retries with
// backoff; a full disk is reported once and never retried.
import * as fs from 'fs';
import * as path from 'path';
import { DownloadLimits, FLOOR_BYTES_PER_SECOND, CONNECT_SECONDS, maxSeconds, rateText, sizeText, unlistedLimits } from './download-limits';
import type { ExpectedFile } from './package-checksums';
import type { ReleaseInfo } from '../deb/release-info';
import { BuildLog } from '../log';
import { BuildError, ChildProcesses, ProcResult } from '../proc';
import { DiskFullError, diskFullError, freeBytes } from '../workspace-room';

export interface FetchSettings {
  /** Attempts per file. */
  readonly retries: number;
  /** A transfer below the floor rate for this long is aborted (and retried). */
  readonly stallSeconds: number;
}

export type FetchResult = 'ok' | 'missing';

/** Files served in place of an upstream's (path relative to its URL → content): see subset-index.ts. */
export type UpstreamOverlay = Map<string, Buffer>;

/** One file to download. */
export interface DownloadItem {
  readonly url: string;
  readonly dest: string;
  readonly limits: DownloadLimits;
}

const MISSING = new Set(['404', '403', '410']);

/** Why a file can differ from what a verified list says, and what to do. */
const STALE = ': the upstream is being updated or the download was tampered with; retry later';

/** A body larger than its cap: the same upstream serves the same again, so no retry. */
class TooLargeError extends BuildError {}

/**
 * curl's config-file quoting (values in double quotes, backslash escapes). Control characters
 * (a newline would start a config line of its own) are percent-encoded: no upstream path is an
 * option to curl.
 */
function curlQuote(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, c => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  return `"${clean.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * curl runs under a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored): a write past it fails that
 * transfer alone (exit 23). curl 7.88's --max-filesize refuses only a declared Content-Length;
 * a body without one would be read whole. The limit is the batch's largest cap, each file's own
 * cap is checked after the transfer.
 */
const LIMITED = 'trap "" XFSZ; ulimit -f "$1" || exit 125; shift; exec "$@"';

/** What curl's --write-out says of one transfer (code, HTTP status, size, time, message), and its process's stderr and exit. */
interface CurlTransfer {
  readonly code: number;
  readonly status: string;
  readonly bytes: number;
  readonly seconds: number;
  readonly message: string;
  readonly stderr: string;
  readonly exit: number;
}

export class Fetcher {
  /** Set once the disk is full: every later download fails with it at once. */
  private diskFull?: DiskFullError;

  constructor(private readonly settings: FetchSettings, private readonly log: BuildLog, private readonly procs: ChildProcesses) {}

  /** The failure that ends every download (a full disk), once there is one. */
  public get fatal(): DiskFullError | undefined {
    return this.diskFull;
  }

  /** One transfer's options (curl's `next` resets them for the next URL). */
  private transferConfig(item: DownloadItem): string {
    const { url, dest, limits } = item;
    const lines = [
      `url = ${curlQuote(url)}`,
      `output = ${curlQuote(`${dest}.part`)}`,
      'silent', 'show-error', 'location', 'globoff',
      'proto = "=https,http"', `proto-redir = "${url.startsWith('https://') ? '=https' : '=https,http'}"`,
      `connect-timeout = ${CONNECT_SECONDS}`,
      `speed-limit = ${FLOOR_BYTES_PER_SECOND}`, `speed-time = ${this.settings.stallSeconds}`,
      `max-time = ${maxSeconds(limits, this.settings.stallSeconds)}`,
      ...(limits.maxBytes > 0 ? [`max-filesize = ${limits.maxBytes}`] : []),
      // curl's own escapes (\t, \n) inside the quotes: the config is read line by line.
      'write-out = "%{exitcode}\\t%{http_code}\\t%{size_download}\\t%{time_total}\\t%{filename_effective}\\t%{errormsg}\\n"',
    ];
    return `${lines.join('\n')}\n`;
  }

  /**
   * Downloads many files of one upstream with one curl process (parallel transfers over reused
   * connections: a process per file costs more CPU than the transfer of a small package).
   * Resolves per destination with 'ok' or 'missing'; a file that fails every attempt gets an Error.
   */
  public async downloadMany(items: readonly DownloadItem[], parallel: number, what: string): Promise<Map<string, FetchResult | Error>> {
    const results = new Map<string, FetchResult | Error>();
    let todo = [...items];
    let delay = 1;
    for (let attempt = 1; todo.length && attempt <= this.settings.retries; attempt++) {
      const failed = await this.transferOnce({ todo, parallel, what }, results);
      if (failed === undefined) return results;
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

  /**
   * One curl process over `batch.todo`: what it settles goes into `results`; returns the failures
   * to retry, or undefined when none may be (a full disk, a stopping build: every result is set).
   */
  private async transferOnce(batch: { todo: readonly DownloadItem[]; parallel: number; what: string },
    results: Map<string, FetchResult | Error>): Promise<Array<DownloadItem & { reason: string }> | undefined> {
    const { todo, what } = batch;
    if (this.diskFull) {
      for (const item of todo) results.set(item.dest, this.diskFull);
      return undefined;
    }
    const r = await this.runCurl(todo, batch.parallel);
    if (this.procs.stopping) {
      // The build failed elsewhere and stopped curl: no retries, and no warnings that would
      // read like this download's own trouble.
      for (const item of todo) results.set(item.dest, new BuildError(`${what}: ${item.url}: not downloaded, the build is stopping`));
      return undefined;
    }
    const outcome = new Map<string, string[]>();
    for (const line of r.stdout.split('\n')) {
      const fields = line.split('\t');
      if (fields[4]) outcome.set(fields[4], fields);
    }
    const failed: Array<DownloadItem & { reason: string }> = [];
    for (const item of todo) {
      const [code, status, bytes, seconds, , message] = outcome.get(`${item.dest}.part`) ?? ['-1', '', '0', '0', '', ''];
      const transfer = { code: Number(code), status, bytes: Number(bytes), seconds: Number(seconds), message: message ?? '', stderr: r.stderr, exit: r.code };
      const verdict = await this.verdict(item, transfer, what);
      await (verdict === 'ok' ? fs.promises.rename(`${item.dest}.part`, item.dest) : fs.promises.rm(`${item.dest}.part`, { force: true }));
      if (verdict === 'ok' || verdict === 'missing') results.set(item.dest, verdict);
      else if (verdict instanceof DiskFullError) this.diskFull ??= verdict;
      else if (verdict instanceof Error) results.set(item.dest, verdict);
      else failed.push({ ...item, reason: verdict.retry });
    }
    if (!this.diskFull) return failed;
    // No retries: every download still to do fails with the one message.
    for (const item of todo) if (!results.has(item.dest)) results.set(item.dest, this.diskFull);
    return undefined;
  }

  /** curl over `todo` (its transfers configured on stdin), each file capped by the shell's ulimit. */
  private async runCurl(todo: readonly DownloadItem[], parallel: number): Promise<ProcResult> {
    // All at once: one after another they delay curl's start by a thread-pool round trip each.
    await Promise.all([...new Set(todo.map(i => path.dirname(i.dest)))].map(dir => fs.promises.mkdir(dir, { recursive: true })));
    const config = todo.map(i => this.transferConfig(i)).join('next\n');
    const blocks = Math.max(1, ...todo.map(i => Math.ceil(i.limits.maxBytes / 512)));
    return this.procs.run('sh', ['-c', LIMITED, 'sh', String(blocks), 'curl', '--parallel', '--parallel-immediate', '--parallel-max', String(Math.max(1, parallel)),
      '--config', '-'], { input: config });
  }

  /** One transfer's outcome: a result, a final error, or a reason to retry. */
  private async verdict(item: DownloadItem, t: CurlTransfer, what: string): Promise<FetchResult | Error | { retry: string }> {
    const { url, dest, limits } = item;
    const { code, status, bytes, seconds, message } = t;
    const part = await fs.promises.stat(`${dest}.part`).then(s => s.size, () => 0);
    const tooLarge = () => new TooLargeError(`${what}: ${limits.tooLarge ?? `${url} is larger than ${sizeText(limits.maxBytes)}`}`);
    if (code === 0 && status === '200') return part > limits.maxBytes ? tooLarge() : 'ok';
    if (code === 0 && MISSING.has(status)) return 'missing';
    if (code === 63) return tooLarge();
    if (code === 23) {
      if (part >= limits.maxBytes) return tooLarge();
      if (await freeBytes(path.dirname(dest)) < Math.max(1024 * 1024, (limits.size ?? 0) - part)) {
        return diskFullError(path.dirname(dest), `downloading ${url} failed`, this.procs);
      }
    }
    if (code === 28 && /too slow/i.test(message)) {
      // curl knows the rate of the last stallSeconds only; the transfer's whole rate says how slow it was.
      const floor = `less than ${rateText(FLOOR_BYTES_PER_SECOND, 1)} for ${this.settings.stallSeconds}s (stallTimeout)`;
      return { retry: `stalled: ${floor}: ${sizeText(bytes)} in ${seconds.toFixed(1)}s, ${rateText(bytes, seconds)}` };
    }
    if (code === 28 && /timed out after/i.test(message) && !/connect/i.test(message)) {
      return { retry: `too slow: ${sizeText(bytes)} in ${maxSeconds(limits, this.settings.stallSeconds)}s, the bound for ${sizeText(limits.size ?? limits.maxBytes)} at ${rateText(FLOOR_BYTES_PER_SECOND, 1)}` };
    }
    if (code === -1) return { retry: t.stderr.trim().split('\n').pop() || `curl exit ${t.exit}` };
    return { retry: code !== 0 ? message || `curl error ${code}` : `HTTP ${status}` };
  }

  /** Downloads `url` to `dest`. 'missing' for 404/403/410 (never retried); throws after the last failed attempt. */
  public async download(url: string, dest: string, what: string, limits: DownloadLimits = unlistedLimits(url)): Promise<FetchResult> {
    const result = (await this.downloadMany([{ url, dest, limits }], 1, what)).get(dest)!;
    if (result instanceof Error) throw result;
    return result;
  }

}

/**
 * One upstream's files, downloaded once into a cache directory (concurrent requests for the same
 * path share one download). aptly reads them through `LocalUpstreamServer`.
 */
/** A path relative to the upstream URL, normalized (`./x`, `/x` and `x` are one file; `..` stays visible to refuse). */
export function upstreamPath(rel: string): string {
  return path.posix.normalize(rel).replace(/^\/+/, '');
}

/** A package file the runner checked: what its stanza listed, the checksums published for it (field -> hex), and the package that named it. */
export interface VerifiedFile {
  readonly expected: ExpectedFile;
  readonly checksums: ReadonlyMap<string, string>;
  readonly by: string;
}

export class UpstreamCache {
  private readonly pending = new Map<string, Promise<FetchResult>>();
  /** The upstream's verified Release, once read: index files it does not list are not asked for. */
  public release?: ReleaseInfo;
  /** Paths that answer "missing" whatever upstream has (see `pin`). */
  private readonly hidden = new Set<string>();
  /** Downloads that failed for good: aptly only sees a 502, the build reports these. */
  public readonly failures: string[] = [];
  /** Sizes of package files as the (verified) Packages indexes list them, by path. */
  private readonly listedSizes = new Map<string, number>();
  /** Downloads started as guesses (`speculate`): their failures are recorded only if asked for in earnest. */
  private readonly speculative = new WeakSet<Promise<FetchResult>>();
  /** What the loopback server serves aptly instead of the cached upstream file, by path. */
  public readonly overlay: UpstreamOverlay = new Map();
  /**
   * Package files the runner checked (verified-download.ts), by upstream path: what the stanza
   * that named it first listed, and the checksums the runner publishes for it.
   */
  public readonly verified = new Map<string, VerifiedFile>();

  constructor(
    public readonly upstreamUrl: string,
    public readonly dir: string,
    private readonly fetcher: Fetcher,
    private readonly what: string,
  ) {}


  /** The failure that ends every download (a full disk): aptly's retries cannot help, the build fails with it. */
  public get fatal(): Error | undefined {
    return this.fetcher.fatal;
  }

  /** The cache file of a path relative to the upstream URL ('dists/x/Release'), or undefined if unsafe. */
  public fileOf(rel: string): string | undefined {
    const norm = upstreamPath(rel);
    if (norm === '' || norm === '.' || norm.startsWith('..')) return undefined;
    return path.join(this.dir, norm);
  }

  public urlOf(rel: string): string {
    const base = this.upstreamUrl.endsWith('/') ? this.upstreamUrl : `${this.upstreamUrl}/`;
    return base + upstreamPath(rel);
  }

  /**
   * Downloads many paths (one curl process, `parallel` transfers); later `get`s of them share the
   * result. Resolves with each path's result: a failure is not downloaded again for the asking.
   */
  public prefetch(rels: readonly string[], parallel: number): Promise<Map<string, FetchResult | Error>> {
    return this.fetchBatch(rels, parallel, true);
  }

  /** `prefetch`, its downloads guesses unless `earnest` (see `speculate`). */
  private async fetchBatch(rels: readonly string[], parallel: number, earnest: boolean): Promise<Map<string, FetchResult | Error>> {
    const outcome = new Map<string, FetchResult | Error>();
    const items: Array<DownloadItem & { rel: string; resolve: (r: FetchResult) => void; reject: (e: Error) => void }> = [];
    for (const rel of rels) {
      const file = this.fileOf(rel);
      if (!file || this.pending.has(file)) continue;
      let resolve!: (r: FetchResult) => void;
      let reject!: (e: Error) => void;
      const p = new Promise<FetchResult>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.track(file, p, earnest);
      items.push({ url: this.urlOf(rel), dest: file, limits: this.limitsOf(rel), rel, resolve, reject });
    }
    for (let i = 0; i < items.length; i += 2000) {
      const batch = items.slice(i, i + 2000);
      const results = await this.fetcher.downloadMany(batch, parallel, this.what);
      for (const item of batch) {
        const r = results.get(item.dest) ?? new BuildError(`${this.what}: no result for ${item.url}`);
        outcome.set(item.rel, r);
        if (r instanceof Error) item.reject(r);
        else item.resolve(r);
      }
    }
    return outcome;
  }

  /** Whether `rel` was downloaded (or is downloading) already in this build: a prefetch reuses it. */
  public has(rel: string): boolean {
    const file = this.fileOf(rel);
    return file !== undefined && this.pending.has(file);
  }

  /**
   * Starts downloading `rel` ahead of need (a guess): a failure is not recorded in `failures`,
   * which explain later failures of aptly, and is retried when `rel` is asked for in earnest.
   */
  public speculate(rel: string): void {
    this.speculateAll([rel]);
  }

  /**
   * `speculate` of several paths, one curl process per size cap (their transfers in parallel): a
   * process per guess would cost more CPU at the build's start than the guesses save. One process
   * per cap, because a curl process's file size limit is its largest file's: an unauthenticated
   * InRelease must stop at its own cap, not at a Packages index's.
   */
  public speculateAll(rels: readonly string[]): void {
    const byCap = new Map<number, string[]>();
    for (const rel of rels) {
      const file = this.fileOf(rel);
      if (file === undefined || this.unlistedIndex(rel) || this.hidden.has(file)) continue;
      const cap = this.limitsOf(rel).maxBytes;
      byCap.set(cap, [...byCap.get(cap) ?? [], rel]);
    }
    for (const wanted of byCap.values()) void this.fetchBatch(wanted, wanted.length, false).catch(() => undefined);
  }

  /** Downloads `rel` unless cached. */
  public get(rel: string, recordFailure = true): Promise<FetchResult> {
    const file = this.fileOf(rel);
    if (!file) return Promise.resolve('missing');
    if (this.unlistedIndex(rel) || this.hidden.has(file)) return Promise.resolve('missing');
    let p = this.pending.get(file);
    if (!p) {
      p = fs.promises.access(file).then(() => 'ok' as FetchResult, () => this.fetcher.download(this.urlOf(rel), file, this.what, this.limitsOf(rel)));
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
    // A failed download may be asked for again (aptly retries), unless it was too large: the same
    // upstream serves the same again, so the refusal stands without another request.
    p.catch((e: Error) => {
      if (!(e instanceof TooLargeError)) this.pending.delete(file);
      if (recordFailure) this.failures.push(e.message);
    });
  }

  /** Records the sizes the Packages indexes give for package files (path relative to the upstream URL). */
  public listSizes(sizes: Iterable<readonly [string, number]>): void {
    for (const [rel, size] of sizes) if (Number.isSafeInteger(size) && size >= 0) this.listedSizes.set(upstreamPath(rel), size);
  }

  /**
   * How large `rel` may be: the size the Release (for its indexes) or a Packages index (for
   * package files) lists, else a cap by kind (download-limits.ts).
   */
  public limitsOf(rel: string): DownloadLimits {
    const norm = upstreamPath(rel);
    const release = this.release;
    const listed = release && norm.startsWith(release.base) ? release.files.get(norm.slice(release.base.length))?.size : undefined;
    if (listed !== undefined && Number.isSafeInteger(listed) && listed >= 0) {
      return { maxBytes: listed, size: listed, tooLarge: `${this.urlOf(rel)} is larger than the ${listed} bytes the signed Release lists for it${STALE}` };
    }
    const pkg = this.listedSizes.get(norm);
    if (pkg !== undefined) return { maxBytes: pkg, size: pkg, tooLarge: `${this.urlOf(rel)} is larger than the ${pkg} bytes the Packages index lists for it${STALE}` };
    const cap = unlistedLimits(norm);
    return { ...cap, tooLarge: `${this.urlOf(rel)} is larger than ${sizeText(cap.maxBytes)}, more than any ${path.posix.basename(norm)} should be: refusing to read on` };
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

  /** Forgets a cached file (e.g. a .deb aptly has taken into its pool), and that it was checked. */
  public async drop(rel: string): Promise<void> {
    const file = this.fileOf(rel);
    if (!file) return;
    this.pending.delete(file);
    this.verified.delete(upstreamPath(rel));
    await fs.promises.rm(file, { force: true });
  }
}
