// aptly downloads through this loopback server, which serves each upstream from its UpstreamCache.
// aptly's own HTTP client has no stall timeout (a server that stops sending mid-body hangs it
// forever); our fetcher has one, and the indexes are downloaded once however often aptly reads them.
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import { UpstreamCache, UpstreamOverlay } from './fetcher';

export type { UpstreamOverlay } from './fetcher';

/** The overlay of a source's cache: what aptly reads there instead of the cached upstream file. */
export function overlayOf(cache: UpstreamCache): UpstreamOverlay {
  return cache.overlay;
}

/** Replaces the overlay's files with `files` (text). */
export function overlayFiles(overlay: UpstreamOverlay, files: ReadonlyMap<string, string>): void {
  overlay.clear();
  for (const [rel, text] of files) overlay.set(rel, Buffer.from(text, 'utf8'));
}

export class LocalUpstreamServer {
  public static async start(caches: readonly UpstreamCache[]): Promise<LocalUpstreamServer> {
    const server = http.createServer((req, res) => {
      void serve(caches, req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new LocalUpstreamServer(server);
  }

  private constructor(private readonly server: http.Server) {}

  /** The URL aptly mirrors source `index` from (same layout as the upstream URL). */
  public urlFor(index: number): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/s${index}/`;
  }

  public stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise(resolve => this.server.close(() => resolve()));
  }
}

async function serve(caches: readonly UpstreamCache[], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const m = /^\/s(\d+)\/(.*)$/.exec(new URL(req.url ?? '/', 'http://local').pathname);
  const cache = m ? caches[Number(m[1])] : undefined;
  if (!m || !cache || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end();
    return;
  }
  const rel = decodeURIComponent(m[2]);
  const overlaid = cache.overlay.get(rel);
  if (overlaid) {
    res.writeHead(200, { 'content-length': overlaid.length, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : overlaid);
    return;
  }
  try {
    const result = await cache.get(rel);
    const file = cache.fileOf(rel);
    if (result !== 'ok' || !file) {
      res.writeHead(404).end();
      return;
    }
    const stat = await fs.promises.stat(file);
    res.writeHead(200, { 'content-length': stat.size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file);
    stream.pipe(res);
    stream.on('error', () => res.destroy());
    // Package files go into aptly's pool: no need to keep a second copy on the workspace disk.
    res.on('finish', () => {
      if (/\.u?deb$/.test(rel)) void cache.drop(rel);
    });
  } catch {
    // The download failed for good (reported by the build through its own request); aptly sees a 502.
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
}
