import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';

/** Stall matching responses: headers with the true Content-Length, part of the body, then nothing. */
export interface StallOptions {
  /** Paths (URL path, decoded, e.g. `/debian/dists/bookworm/InRelease`) whose responses stall. */
  readonly path: RegExp;
  /**
   * Stall only the first N requests of each matching path; later requests are answered in full
   * (so a client's retry succeeds).
   * @default every request
   */
  readonly firstRequests?: number;
  /** Share of the body sent before stalling (0..1). @default 0.5 */
  readonly fraction?: number;
}

/** Send matching responses slowly: true headers and Content-Length, then the body byte by byte. */
export interface DripOptions {
  /** Paths (URL path, decoded) whose responses drip. */
  readonly path: RegExp;
  /** @default 2 */
  readonly bytesPerSecond?: number;
}

/** Answer matching paths with a large body of zero bytes instead of the file. */
export interface HugeOptions {
  /** Paths (URL path, decoded) answered with the huge body. */
  readonly path: RegExp;
  /** The body's size. */
  readonly bytes: number;
  /** Declare it in Content-Length; without, the body is chunked (its size unknown in advance). @default true */
  readonly contentLength?: boolean;
}

export interface FileServerOptions {
  /** Delay before every response. @default 0 */
  readonly latencyMs?: number;
  /** Answer 500 to the first request of every path that matches. */
  readonly failFirst?: RegExp;
  /** Flip 16 bytes in the middle of every file served from disk whose path matches (same length). */
  readonly corrupt?: RegExp;
  /** Answer 404 for matching paths even when the file exists. */
  readonly hide?: RegExp;
  /** Stall matching responses (see StallOptions). */
  readonly stall?: StallOptions;
  /** Files served from memory, by URL path; they win over files on disk. */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** Drip matching responses (see DripOptions). */
  readonly drip?: DripOptions;
  /** Answer matching paths with a huge body (see HugeOptions). */
  readonly huge?: HugeOptions;
}

export interface FileServerHandle {
  /** http://127.0.0.1:<port> (no trailing slash). */
  readonly url: string;
  /** Paths of all requests so far, in order. */
  readonly requests: string[];
  /** Paths of the requests that were stalled, in order. */
  readonly stalled: string[];
  /** The largest number of requests served at the same time so far. */
  readonly maxInFlight: number;
  /** Body bytes the sockets accepted, by path, for huge and dripping responses (a client reads at most that). */
  readonly bytesSent: ReadonlyMap<string, number>;
  /** Closes the server and every connection (stalled ones included). */
  stop(): Promise<void>;
}

/**
 * A static HTTP server on 127.0.0.1 (ephemeral port) for a directory, inside this process, with
 * fault injection (latency, first-request failures, corruption, hidden paths, stalls). Clients
 * must run as async child processes: the server shares the event loop.
 */
export async function startFileServer(root: string | undefined, options: FileServerOptions = {}): Promise<FileServerHandle> {
  const rootDir = root ? path.resolve(root) : undefined;
  const seen = new Set<string>();
  const stallCounts = new Map<string, number>();
  const requests: string[] = [];
  const stalled: string[] = [];
  const bytesSent = new Map<string, number>();
  const countSent = (p: string, n: number) => bytesSent.set(p, (bytesSent.get(p) ?? 0) + n);
  const state = { inFlight: 0, maxInFlight: 0 };

  const server = http.createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        state.inFlight--;
      }
    };
    res.on('finish', finish);
    res.on('close', finish);
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    requests.push(urlPath);
    const send = (data: Buffer, fromDisk: boolean) => {
      if (fromDisk && options.corrupt?.test(urlPath)) {
        data = Buffer.from(data);
        const mid = Math.floor(data.length / 2);
        for (let i = mid; i < Math.min(mid + 16, data.length); i++) data[i] = 255 - data[i];
      }
      const drip = options.drip;
      if (drip?.path.test(urlPath) && req.method !== 'HEAD') {
        stalled.push(urlPath);
        res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/octet-stream' });
        let i = 0;
        const timer = setInterval(() => {
          if (i >= data.length) {
            clearInterval(timer);
            res.end();
            return;
          }
          countSent(urlPath, 1);
          res.write(data.subarray(i, ++i));
        }, 1000 / (drip.bytesPerSecond ?? 2));
        res.on('close', () => clearInterval(timer));
        return;
      }
      const stall = options.stall;
      if (stall?.path.test(urlPath)) {
        const count = stallCounts.get(urlPath) ?? 0;
        stallCounts.set(urlPath, count + 1);
        if (count < (stall.firstRequests ?? Infinity)) {
          stalled.push(urlPath);
          res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/octet-stream' });
          if (req.method === 'HEAD') {
            res.flushHeaders();
            return; // never ends
          }
          const part = Math.max(0, Math.min(data.length - 1, Math.floor(data.length * (stall.fraction ?? 0.5))));
          res.write(data.subarray(0, part));
          return; // never ends: the connection stays open until stop()
        }
      }
      res.writeHead(200, { 'content-length': data.length, 'content-type': contentType(urlPath) });
      res.end(req.method === 'HEAD' ? undefined : data);
    };
    // Zero bytes in 64 KiB writes, each after the socket took the one before: what it accepted is counted.
    const sendHuge = (huge: HugeOptions) => {
      res.writeHead(200, { ...(huge.contentLength ?? true ? { 'content-length': huge.bytes } : {}), 'content-type': 'application/octet-stream' });
      if (req.method === 'HEAD') return void res.end();
      const chunk = Buffer.alloc(64 * 1024);
      let left = huge.bytes;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          countSent(urlPath, n);
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        if (left <= 0) res.end();
      };
      pump();
    };
    const respond = () => {
      if (options.failFirst?.test(urlPath) && !seen.has(urlPath)) {
        seen.add(urlPath);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('injected failure\n');
        return;
      }
      seen.add(urlPath);
      if (options.huge?.path.test(urlPath)) return sendHuge(options.huge);
      const notFound = () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      if (options.hide?.test(urlPath)) return notFound();
      const memory = options.files?.[urlPath];
      if (memory !== undefined) return send(Buffer.isBuffer(memory) ? memory : Buffer.from(memory), false);
      if (!rootDir) return notFound();
      const file = path.join(rootDir, path.normalize(urlPath));
      if (!file.startsWith(rootDir + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      fs.readFile(file, (err, data) => (err ? notFound() : send(data, true)));
    };
    if (options.latencyMs) setTimeout(respond, options.latencyMs);
    else respond();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stalled,
    bytesSent,
    get maxInFlight() {
      return state.maxInFlight;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function contentType(urlPath: string): string {
  return /key[^/]*\.(asc|gpg)$|\/keys\/[^/]+$/.test(urlPath) ? 'application/pgp-keys' : 'application/octet-stream';
}
