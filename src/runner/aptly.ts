// aptly for one source: its own rootDir and config (aptly allows one process per rootDir), its
// output appended to the source's log, its error lines kept for messages.
import * as fs from 'fs';
import { BuildError, errorLines, run } from './proc';

export class Aptly {
  constructor(
    public readonly config: string,
    private readonly gnupgHome: string,
    private readonly logFile: string,
  ) {}

  /** Runs aptly; resolves with its output, or throws a BuildError starting with `failure`. */
  public async run(args: readonly string[], failure: string,
    opts: { gnupgHome?: string; allowFail?: boolean } = {}): Promise<{ code: number; output: string }> {
    const started = Date.now();
    const r = await run('aptly', [`-config=${this.config}`, ...args], {
      env: {
        ...process.env,
        GNUPGHOME: opts.gnupgHome ?? this.gnupgHome,
        NO_PROXY: addLoopback(process.env.NO_PROXY),
        no_proxy: addLoopback(process.env.no_proxy),
      },
    });
    const output = r.stdout + r.stderr;
    await fs.promises.appendFile(this.logFile, `$ aptly ${args.map(a => a.length > 200 ? `${a.slice(0, 200)}...` : a).join(' ')}  (${Date.now() - started} ms)\n${output}\n`);
    if (r.code !== 0 && !opts.allowFail) throw new BuildError(`${failure}: ${errorLines(output)}`, output);
    return { code: r.code, output };
  }

  /**
   * `mirror create` from the loopback cache. aptly checks no signature itself: the runner has
   * verified the Release with gpgv, aptly reads exactly that text (UpstreamCache.pin) and checks
   * every index and package against its checksums; a check in every aptly run would cost a few
   * gpg processes each.
   */
  public async createMirror(m: {
    name: string; url: string; distribution: string; component?: string; force: boolean; filter: string; withDeps: boolean; retries: number;
  }, failure: string): Promise<void> {
    await this.run(['mirror', 'create', '-ignore-signatures', ...(m.force ? ['-force-components'] : []), `-max-tries=${m.retries}`,
      `-filter=${m.filter}`, ...(m.withDeps ? ['-filter-with-deps'] : []), m.name, m.url, m.distribution, ...(m.component === undefined ? [] : [m.component])], failure);
  }

  /** Every package of a mirror as `name version arch` keys. */
  public async packageKeys(mirror: string, failure: string): Promise<string[]> {
    const r = await this.run(['mirror', 'search', '-format={{.Package}} {{.Version}} {{.Architecture}}', mirror, 'Name (% *)'], failure, { allowFail: true });
    if (r.code !== 0) {
      if (/no results/i.test(r.output)) return [];
      throw new BuildError(`${failure}: ${errorLines(r.output)}`);
    }
    return r.output.split('\n').map(l => l.trim()).filter(l => l.split(' ').length === 3);
  }

  /** Whether `query` matches a package of `mirror` (aptly's own evaluation). */
  public async matches(mirror: string, query: string, failure: string): Promise<boolean> {
    const r = await this.run(['mirror', 'search', '-format={{.Package}}', mirror, query], failure, { allowFail: true });
    if (r.code === 0) return r.output.trim() !== '';
    if (/no results/i.test(r.output)) return false;
    throw new BuildError(`${failure}: ${errorLines(r.output)}`);
  }
}

function addLoopback(list: string | undefined): string {
  return [list, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
}

/** Splits queries into ` | `-joined filters below the kernel's limit for one argument (128 KiB). */
export function filterChunks(queries: readonly string[], maxBytes = 96 * 1024): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const q of queries) {
    const next = current ? `${current} | ${q}` : q;
    if (current && Buffer.byteLength(next) > maxBytes) {
      chunks.push(current);
      current = q;
    } else {current = next;}
  }
  if (current) chunks.push(current);
  return chunks;
}
