// One synth-at-scale measurement in a fresh process, so peak RSS belongs to this case alone.
// usage: synth-case.ts <construct|raw> <sources-dir>  -> prints JSON { ms, maxRssMiB, objects, maxObjectBytes }
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { MiniMirror, MirrorSource, ReleaseSigning, SourceConfigMaps } from '../src';

const [mode, dir] = process.argv.slice(2);
const publicKey = fs.readFileSync(path.join(__dirname, '..', 'examples', 'mirror.pub.asc'), 'utf8');
const start = process.hrtime.bigint();
const app = new App({ outdir: fs.mkdtempSync('/tmp/mm-bench-synth-') });
const chart = new Chart(app, 'bench', { namespace: 'apt-mirror', disableResourceNameHashes: true });

if (mode === 'construct') {
  new MiniMirror(chart, 'mirror', {
    sources: MirrorSource.fromDirectory(dir),
    signing: ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey }),
    image: { repository: 'registry.example.com/mini-mirror' },
  });
} else if (mode === 'sources') {
  new SourceConfigMaps(chart, 'sources', { sources: MirrorSource.fromDirectory(dir), namePrefix: 'mirror' });
} else {
  // Baseline: the same ConfigMap data read verbatim and emitted as raw ApiObjects, no validation.
  let data: Record<string, string> = {};
  let size = 0;
  let n = 0;
  const flush = () => {
    new ApiObject(chart, `cm-${n}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `mirror-sources-${n++}` }, data });
    data = {};
    size = 0;
  };
  for (const prefix of fs.readdirSync(dir).sort()) {
    for (const name of fs.readdirSync(path.join(dir, prefix)).sort()) {
      for (const file of ['source.txt', 'packages.txt']) {
        const content = fs.readFileSync(path.join(dir, prefix, name, file), 'utf8');
        if (size + content.length > 512 * 1024) flush();
        data[`${prefix}_${name}_${file}`] = content;
        size += content.length;
      }
    }
  }
  flush();
}
const yaml = app.synthYaml() as string;
const ms = Number(process.hrtime.bigint() - start) / 1e6;
const docs = yaml.split(/^---$/m);
process.stdout.write(JSON.stringify({
  ms,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
  objects: docs.length,
  maxObjectBytes: Math.max(...docs.map(d => Buffer.byteLength(d))),
}));
