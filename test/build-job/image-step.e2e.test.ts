/**
 * The crane image step (`ImageBuilder.crane()`), run from the synthesized Job with the pod runner
 * after a real mirror step. `crane` is not packaged for Debian, so a stand-in `crane` on PATH
 * records its arguments and keeps the layer; the test checks what would be pushed: the layer's
 * paths, types and modes, and the image reference. The default image step (skopeo and umoci)
 * is tested for real against a registry in image-registry.e2e.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageBuilder } from '../../src';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { runPod } from '../support/pod-runner';
import { removeBuild, runBuild, runChecked } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';

let upstream: FakeUpstreamHandle;
let key: GeneratedKey;

beforeAll(async () => {
  [upstream, key] = await Promise.all([FakeUpstream.start(), generateSigningKey()]);
}, 120_000);
afterAll(async () => upstream.stop());

test('crane: appends the published tree at /srv/mirror, world-readable, and pushes <repository>:<build identity>', async () => {
  const build = await runBuild({
    imageBuilder: ImageBuilder.crane(),
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, fingerprint: key.fingerprint },
    sources: [{ prefix: 'debian', name: 'bookworm', url: upstream.url, keyUrl: upstream.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['chain-a'] }],
  });
  try {
    expect(build.exitCode).toBe(0);
    // The kubelet creates emptyDirs world-writable; the image step runs as a non-root user.
    fs.chmodSync(build.workspace, 0o777);

    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-crane-'));
    // the root filesystem is read-only in the image step: the stand-in records into the workspace
    const record = path.join(build.workspace, 'crane-record');
    fs.mkdirSync(record, { mode: 0o777 });
    fs.chmodSync(record, 0o777);
    fs.writeFileSync(path.join(bin, 'crane'), [
      '#!/bin/sh',
      'set -eu',
      'printf \'%s\\n\' "$@" > /workspace/crane-record/args',
      'while [ $# -gt 0 ]; do [ "$1" = --new_layer ] && cp "$2" /workspace/crane-record/layer.tar; shift; done',
    ].join('\n') + '\n', { mode: 0o755 });
    fs.chmodSync(bin, 0o755);

    const job = build.manifests.find(o => o.kind === 'Job' && o.metadata.name.includes('-build-'));
    const pod = await runPod({
      manifests: build.manifests,
      kind: 'Job',
      name: job.metadata.name,
      containers: ['image'],
      // the pod's volumes exist for every container, as on a kubelet; the image step does not mount this one
      secrets: { 'mirror-signing': { 'signing-key.asc': key.privateKey } },
      emptyDirs: { workspace: build.workspace },
      // the stand-in crane and its record live in the host's /tmp: keep it visible
      privateDirs: ['/var/tmp', '/root', '/run'],
      extraEnv: { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    pod.cleanup();
    if (pod.results[0].exitCode !== 0) throw new Error(`image step failed: ${pod.results[0].stdout}\n${pod.results[0].stderr}`);
    expect(pod.results[0].stdout).toMatch(/pushed registry\.example\.com\/mini-mirror:[0-9a-f]{20}/);

    const args = fs.readFileSync(path.join(record, 'args'), 'utf8').trim().split('\n');
    expect(args).toEqual([
      'append', '--base', 'docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm',
      '--new_layer', '/workspace/layer.tar', '--new_tag', `registry.example.com/mini-mirror:${build.buildIdentity.slice(0, 20)}`,
    ]);

    const listing = (await runChecked('tar', ['-tvf', path.join(record, 'layer.tar')])).stdout.trim().split('\n');
    const entry = (p: string) => listing.find(l => l.endsWith(` ${p}`) || l.includes(` ${p} `));
    // the tree itself, not a symlink to the build's workspace
    expect(entry('srv/mirror/')).toMatch(/^d/);
    expect(entry('srv/mirror/manifest.json')).toMatch(/^-r.{5}r/);
    expect(entry('srv/mirror/mirror-key.asc')).toMatch(/^-r.{5}r/);
    expect(entry('srv/mirror/debian/dists/bookworm/InRelease')).toMatch(/^-r.{5}r/);
    expect(listing.some(l => /srv\/mirror\/debian\/pool\/.*\.deb$/.test(l))).toBe(true);
    // nothing of the build's scratch space or the signing key is in the image
    expect(listing.filter(l => /\.mini-mirror|gnupg|signing-key|private-keys/.test(l))).toEqual([]);
    // every directory is searchable and every file readable by others (nginx runs as uid 101)
    for (const line of listing) expect(line).toMatch(/^d.{6}r.x|^[-h].{6}r|^l/);
  } finally {
    await removeBuild(build.rootDir);
  }
}, 240_000);
