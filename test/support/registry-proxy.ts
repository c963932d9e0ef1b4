/**
 * Test support: an HTTP proxy on 127.0.0.1 in front of a real registry (registry.ts), which can
 * misbehave the ways a registry (or something in front of it) does:
 * - `hideTag`: answers 404 MANIFEST_UNKNOWN for that tag's manifest, though the registry holds it
 *   (and, with `hideFromTagList`, leaves it out of the repository's tag list too);
 * - `holdTagPuts`: holds every PUT of a manifest by tag until `count` have arrived (or `maxWaitMs`
 *   passed), then forwards them one at a time, `gapMs` apart: two builds that both checked the tag
 *   before either tagged, the race a registry without tag immutability allows.
 * Everything else is forwarded unchanged (Host included, so the registry's upload URLs point back
 * here).
 */
import * as http from 'http';
import { AddressInfo } from 'net';

export interface RegistryProxyOptions {
  readonly hideTag?: string;
  readonly hideFromTagList?: boolean;
  readonly holdTagPuts?: { readonly count: number; readonly gapMs: number; readonly maxWaitMs?: number };
}

export interface RegistryProxyHandle {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** Method and path of every request, in order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/?]+)$/;
const TAGS_PATH = /^\/v2\/(.+)\/tags\/list(\?.*)?$/;

interface Forward {
  (body?: Buffer, rewrite?: (status: number, body: Buffer) => Buffer): Promise<void>;
}

export async function startRegistryProxy(upstream: string, options: RegistryProxyOptions = {}): Promise<RegistryProxyHandle> {
  const [upstreamHost, upstreamPort] = upstream.split(':');
  const requests: string[] = [];
  const held: Array<() => Promise<void>> = [];
  let holdTimer: NodeJS.Timeout | undefined;
  let releasing = false;

  const release = async () => {
    if (releasing) return;
    releasing = true;
    if (holdTimer) clearTimeout(holdTimer);
    for (let i = 0; i < held.length; i++) {
      if (i > 0) await new Promise(res => setTimeout(res, options.holdTagPuts!.gapMs));
      await held[i]();
    }
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(`${req.method} ${url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward: Forward = (payload = body, rewrite) => new Promise<void>(done => {
        const up = http.request({ host: upstreamHost, port: Number(upstreamPort), method: req.method, path: url, headers: req.headers }, upRes => {
          const parts: Buffer[] = [];
          upRes.on('data', (c: Buffer) => parts.push(c));
          upRes.on('end', () => {
            let out: Buffer = Buffer.concat(parts);
            const headers = { ...upRes.headers };
            if (rewrite) {
              out = rewrite(upRes.statusCode ?? 500, out);
              headers['content-length'] = String(out.length);
            }
            res.writeHead(upRes.statusCode ?? 502, headers);
            res.end(req.method === 'HEAD' ? undefined : out);
            done();
          });
        });
        up.on('error', e => {
          res.writeHead(502);
          res.end(String(e));
          done();
        });
        up.end(payload);
      });

      const manifest = MANIFEST_PATH.exec(url);
      const tags = TAGS_PATH.exec(url);
      if (manifest && options.hideTag === manifest[2] && (req.method === 'GET' || req.method === 'HEAD')) {
        const error = JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: manifest[2] } }] });
        res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(error)) });
        res.end(req.method === 'HEAD' ? undefined : error);
      } else if (tags && options.hideTag && options.hideFromTagList && req.method === 'GET') {
        void forward(body, (status, out) => {
          if (status !== 200) return out;
          const list = JSON.parse(out.toString('utf8'));
          return Buffer.from(JSON.stringify({ ...list, tags: (list.tags ?? []).filter((t: string) => t !== options.hideTag) }));
        });
      } else if (manifest && req.method === 'PUT' && !manifest[2].startsWith('sha256:') && options.holdTagPuts) {
        held.push(() => forward());
        if (held.length >= options.holdTagPuts.count) void release();
        else if (held.length === 1) holdTimer = setTimeout(() => void release(), options.holdTagPuts.maxWaitMs ?? 60_000);
      } else {
        void forward();
      }
    });
  });
  await new Promise<void>(res => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    async stop() {
      if (holdTimer) clearTimeout(holdTimer);
      server.closeAllConnections();
      await new Promise(res => server.close(res));
    },
  };
}
