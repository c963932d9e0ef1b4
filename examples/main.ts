// A platform repo's cdk8s app: an offline mirror of Debian bookworm (+ updates) and a vendor
// repository, signed with a key from a Secret, served behind an Ingress with TLS.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { MiniMirror, MirrorSource, ReleaseSigning } from '../src';

const here = __dirname;
const app = new App();
const chart = new Chart(app, 'mirror', { namespace: 'apt-mirror', disableResourceNameHashes: true });

new MiniMirror(chart, 'mirror', {
  sources: MirrorSource.fromDirectory(path.join(here, 'sources'), {
    overrides: {
      // A third-party repository: pin its signing key, so a swapped key fails the build.
      'vendor/tools': { keyFingerprints: ['7A3C 1F2E 9B8D 4C5A 6E7F 8091 A2B3 C4D5 E6F7 0819'] },
    },
  }),
  signing: ReleaseSigning.fromSecret({
    secretName: 'mirror-signing',
    publicKey: fs.readFileSync(path.join(here, 'mirror.pub.asc'), 'utf8'),
    passphraseKey: 'passphrase',
  }),
  image: { repository: 'registry.example.com/platform/mini-mirror', pushSecretName: 'registry-push' },
  serving: {
    ingress: { host: 'apt.platform.example', ingressClassName: 'nginx', tlsSecretName: 'apt-mirror-tls' },
  },
  // The smoke test is on by default (smokeTest: { enabled: false } leaves it out): a Job runs
  // apt-get update and install --simulate against the Service.
});

app.synth();
