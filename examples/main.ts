// A platform repo's cdk8s app: an offline mirror of Debian bookworm (+ updates) and a vendor
// repository, signed with a key from a Secret, served behind an Ingress with TLS.
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { MiniMirror, MirrorSource, ReleaseSigning } from '../src';

const here = __dirname;
const DEBIAN_12_ARCHIVE = 'B8B8 0B5B 623E AB6A D877  5C45 B7C5 D7D6 3509 47F8';
const DEBIAN_13_ARCHIVE = '04B5 4C3C DCA7 9751 B16B  C6B5 2256 29DF 75B1 88BD';
const DEBIAN_12_RELEASE = '4D64 FEC1 19C2 0290 67D6  E791 F8D2 585B 8783 D481';
const DEBIAN_11_SECURITY = 'AC53 0D52 0F2F 3269 F5E9  8313 A484 4904 4AAD 5C5D';
const DEBIAN_12_SECURITY = '05AB 9034 0C0C 5E79 7F44  A8C8 254C F3B5 AEC0 A8F0';
const app = new App();
const chart = new Chart(app, 'mirror', { namespace: 'apt-mirror', disableResourceNameHashes: true });

new MiniMirror(chart, 'mirror', {
  sources: MirrorSource.fromDirectory(path.join(here, 'sources'), {
    overrides: {
      // Pin the keys that sign each suite (primary fingerprints, as gpgv's VALIDSIG prints them
      // for the suite's InRelease): a key_url that serves another key fails the build.
      // Debian Archive Automatic Signing Keys (12/bookworm, 13/trixie), Debian Stable Release Key (12/bookworm).
      'debian/bookworm': { keyFingerprints: [DEBIAN_12_ARCHIVE, DEBIAN_13_ARCHIVE, DEBIAN_12_RELEASE] },
      'debian/bookworm-updates': { keyFingerprints: [DEBIAN_12_ARCHIVE, DEBIAN_13_ARCHIVE] },
      // Debian Security Archive Automatic Signing Keys (11/bullseye, 12/bookworm).
      'debian-security/bookworm-security': { keyFingerprints: [DEBIAN_11_SECURITY, DEBIAN_12_SECURITY] },
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
