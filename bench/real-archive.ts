/**
 * bench:real — the seed's build vs ours against the real Debian archive this machine's apt is
 * configured with (its URIs read from /etc/apt at run time, never written anywhere).
 *
 *   npm run bench:real [-- --runs N --no-large --no-oracle --ours-only --save DIR --no-recommends]
 *
 * Node case: about 50 queries typical of an OpenStack-Helm compute/control node from bookworm and
 * bookworm-updates (main, amd64), seed (bench/build-seed.ts) and ours (the build Job's mirror
 * container through the pod runner) alternating `--runs` times (default 3): both times, the ratio
 * and our phase split, and whether every run published the same packages. Then (unless
 * --no-oracle) aptly as the oracle of the subset index (aptly-oracle.ts). Large case (unless
 * --no-large): Priority required/important/standard, a few task-* metapackages and the node set,
 * ours once: time, peak memory of the build's processes, published bytes per 1,000 packages.
 * Both sides verify nothing the other does not have to: the seed skips upstream signatures, ours
 * checks them against debian-archive-keyring. Prints figures, asserts nothing; exits 0 with a
 * message when this machine has no reachable bookworm apt source. Ours follows Recommends, as the
 * product does by default (more packages than the seed's for the node set);
 * --no-recommends builds ours without them, the seed's package set.
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { aptlyOracle } from './aptly-oracle';
import { runSeedBuild, SeedSource } from './build-seed';
import { median, mib, parseTiming, phaseLine, s, sampleChildrenRss, treeBytes } from './figures';
import { uriForSuite } from '../test/support/host-apt-sources';
import { cachedPassphraseTestKey } from '../test/support/passphrase-test-key';
import { removeBuild, runBuild, runCommand, runChecked } from '../test/support/run-build';
import { GeneratedKey } from '../test/support/signing-key';

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const ARCHS = ['amd64'];

/** What an OpenStack-Helm node installs from Debian (compute, network, storage clients, control plane tools). */
const NODE_SET = [
  'ceph-common', 'python3-rbd', 'python3-rados', 'qemu-utils', 'qemu-system-x86', 'qemu-block-extra', 'libvirt-clients',
  'libvirt-daemon-system', 'python3-libvirt', 'openvswitch-switch', 'openvswitch-common', 'python3-openvswitch', 'iptables',
  'ebtables', 'ipset', 'conntrack', 'bridge-utils', 'vlan', 'iproute2', 'dnsmasq-base', 'haproxy', 'keepalived',
  'python3-openstackclient', 'mariadb-client', 'apache2', 'libapache2-mod-wsgi-py3', 'memcached', 'python3-pymysql',
  'python3-memcache', 'nfs-common', 'open-iscsi', 'multipath-tools', 'lvm2', 'thin-provisioning-tools', 'cryptsetup',
  'xfsprogs', 'sg3-utils', 'sysfsutils', 'genisoimage', 'ethtool', 'tcpdump', 'socat', 'curl', 'ca-certificates', 'chrony',
  'sudo', 'jq', 'python3-yaml', 'python3-requests', 'nginx',
];
/** A few thousand packages: the base system, three desktops' task packages and the web and ssh servers'. */
const LARGE_EXTRA = ['Priority (required)', 'Priority (important)', 'Priority (standard)', 'task-gnome-desktop', 'task-kde-desktop', 'task-xfce-desktop',
  'task-web-server', 'task-ssh-server'];

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 1) throw new Error(`--${name} needs a number >= 1 (got ${process.argv[i + 1]})`);
  return Math.floor(v);
}
const RUNS = option('runs', 3);
const RECOMMENDS = !process.argv.includes('--no-recommends');
const OURS_ONLY = process.argv.includes('--ours-only');
const SAVE = (() => {
  const i = process.argv.indexOf('--save');
  return i < 0 ? undefined : process.argv[i + 1];
})();

async function fetchIndexNames(base: string, suite: string): Promise<Set<string>> {
  const r = await runCommand('sh', ['-c', 'curl -sSf --max-time 120 "$1" | xz -dc', 'sh', `${base}/dists/${suite}/main/binary-amd64/Packages.xz`]);
  if (r.exitCode !== 0) throw new Error(`cannot read ${suite}'s index: ${r.stderr.trim()}`);
  return new Set([...r.stdout.matchAll(/^Package: (\S+)$/gm)].map(m => m[1]));
}

/** The archive keys, armored (the seed imports key_url's text; ours takes either), on loopback. */
async function serveArchiveKeys(): Promise<{ url: string; stop: () => Promise<void> }> {
  const home = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-real-keys-'));
  const armored = (await runChecked('gpg', ['--homedir', home, '--batch', '--no-default-keyring', '--keyring', KEYRING, '--export', '--armor'])).stdout;
  await fs.promises.rm(home, { recursive: true, force: true });
  const server = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(armored));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/archive-keys.asc`,
    stop: () => new Promise(resolve => server.close(() => resolve())),
  };
}

interface Ours {
  readonly ms: number;
  readonly stdout: string;
  readonly phases: Map<string, number>;
  readonly packages: number;
  /** The published packages as `dist/component name version arch` lines, sorted. */
  readonly packageSet: string[];
  readonly publishedBytes: number;
  readonly peakRss: number;
}

async function runOurs(sources: SeedSource[], key: GeneratedKey): Promise<Ours> {
  const rss = sampleChildrenRss();
  const r = await runBuild({
    sources: sources.map(({ queries, ...u }) => ({ ...u, packages: queries, architectures: ARCHS, insecureKeyUrl: true })),
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: key.passphrase, fingerprint: key.fingerprint },
    defaultAptlyConf: 'product',
    architectures: ARCHS,
    recommends: RECOMMENDS,
    concurrency: 4,
    retries: 3,
    timeoutMs: 3_600_000,
  });
  const peakRss = rss.stop();
  try {
    if (r.exitCode !== 0) throw new Error(`OUR BUILD FAILED (exit ${r.exitCode}):\n${r.stdout.trim().split('\n').slice(-40).join('\n')}\n${r.stderr.trim()}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(r.publicDir, 'manifest.json'), 'utf8')) as { packages: Array<Record<string, string>> };
    if (SAVE) {
      fs.mkdirSync(SAVE, { recursive: true });
      const n = fs.readdirSync(SAVE).filter(f => f.endsWith('.stdout')).length + 1;
      fs.writeFileSync(path.join(SAVE, `ours-${n}.stdout`), r.stdout);
    }
    return {
      ms: r.containerMs,
      stdout: r.stdout,
      phases: parseTiming(r.stdout).phases,
      packages: manifest.packages.length,
      packageSet: manifest.packages.map(p => `${p.distribution}/${p.component} ${p.name} ${p.version} ${p.architecture}`).sort(),
      publishedBytes: treeBytes(r.publicDir),
      peakRss,
    };
  } finally {
    await removeBuild(r.rootDir);
  }
}

const timingOf = (stdout: string) => /^timing: .*$/m.exec(stdout)?.[0] ?? 'no timing line';

async function nodeCase(sources: SeedSource[], key: GeneratedKey): Promise<void> {
  const seedMs: number[] = [];
  const oursMs: number[] = [];
  const phases: Array<Map<string, number>> = [];
  const sets: string[][] = [];
  for (let run = 0; run < RUNS; run++) {
    const order = OURS_ONLY ? ['ours'] : run % 2 === 0 ? ['seed', 'ours'] : ['ours', 'seed'];
    const line: string[] = [];
    for (const which of order) {
      if (which === 'seed') {
        const seed = await runSeedBuild(sources, key, ARCHS);
        seedMs.push(seed.ms);
        line.push(`seed ${s(seed.ms)} (${[...seed.published.values()].reduce((n, v) => n + v.length, 0)} packages)`);
      } else {
        const ours = await runOurs(sources, key);
        oursMs.push(ours.ms);
        phases.push(ours.phases);
        sets.push(ours.packageSet);
        line.push(`ours ${s(ours.ms)} (${ours.packages} packages; ${timingOf(ours.stdout)})`);
      }
    }
    console.log(`run ${run + 1}/${RUNS} (${order.join(' first, ')} second): ${line.join('; ')}`);
  }
  console.log(`  ${sameSets(sets)}`);
  if (OURS_ONLY) return;
  console.log(`node case: seed median ${s(median(seedMs))}, ours median ${s(median(oursMs))}, ratio seed/ours ${(median(seedMs) / median(oursMs)).toFixed(2)}`);
  console.log(`  ours, median per phase: ${phaseLine(phases)}`);
}

/** Whether every run published the same packages; else what the first and each other run differ in. */
function sameSets(sets: readonly string[][]): string {
  const diffs = sets.slice(1).map((set, i) => {
    const first = new Set(sets[0]);
    const other = new Set(set);
    const only = (a: readonly string[], b: Set<string>) => a.filter(x => !b.has(x));
    const [gone, came] = [only(sets[0], other), only(set, first)];
    return gone.length || came.length ? `run ${i + 2} vs run 1: -${gone.length} +${came.length} (${[...gone.slice(0, 5).map(x => `-${x}`), ...came.slice(0, 5).map(x => `+${x}`)].join(', ')})` : '';
  }).filter(Boolean);
  return diffs.length ? `package sets DIFFER: ${diffs.join('; ')}` : `package sets: the same ${sets[0]?.length ?? 0} packages in all ${sets.length} runs`;
}

async function largeCase(sources: SeedSource[], key: GeneratedKey): Promise<void> {
  const large = sources.map((src, i) => i === 0 ? { ...src, queries: [...src.queries, ...LARGE_EXTRA] } : src);
  const ours = await runOurs(large, key);
  console.log(`large case (${LARGE_EXTRA.join(', ')} + the node set): ours ${s(ours.ms)}, ${ours.packages} packages; ${timingOf(ours.stdout)}`);
  console.log(`  peak RSS of the build's processes (summed): ${mib(ours.peakRss)}; published tree ${mib(ours.publishedBytes)}, `
    + `${mib(ours.publishedBytes / ours.packages * 1000)} per 1,000 packages; ${s(ours.ms / ours.packages * 1000)} per 1,000 packages`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:real runs the build Job through the pod runner: run it as root');
  const base = uriForSuite('bookworm');
  const reach = base ? await runCommand('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', `${base}/dists/bookworm-updates/InRelease`]) : undefined;
  if (!base || !fs.existsSync(KEYRING) || reach?.exitCode !== 0 || reach.stdout.trim() !== '200') {
    console.log('bench:real skipped: this machine has no reachable apt source for bookworm (main) in /etc/apt, or no debian-archive-keyring');
    return;
  }
  const aptlyVersion = (await runCommand('aptly', ['version'])).stdout.trim();
  console.log(`bench:real: ${RUNS} run(s), ours ${RECOMMENDS ? 'with' : 'without'} Recommends; ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, `
    + `load ${os.loadavg().map(l => l.toFixed(1)).join(' ')}, node ${process.version}, ${aptlyVersion}`);
  const [bookworm, updates] = [await fetchIndexNames(base, 'bookworm'), await fetchIndexNames(base, 'bookworm-updates')];
  const missing = NODE_SET.filter(q => !bookworm.has(q));
  if (missing.length) console.log(`not in bookworm today, left out: ${missing.join(', ')}`);
  // bookworm-updates carries a handful of packages: the node set's that it updates, else its first few.
  const updated = NODE_SET.filter(q => updates.has(q));
  const updatesQueries = updated.length ? updated : [...updates].sort().slice(0, 3);
  const keys = await serveArchiveKeys();
  try {
    const sources: SeedSource[] = [
      { prefix: 'debian', name: 'bookworm', url: base, keyUrl: keys.url, distribution: 'bookworm', components: ['main'], queries: NODE_SET.filter(q => bookworm.has(q)) },
      { prefix: 'debian', name: 'bookworm-updates', url: base, keyUrl: keys.url, distribution: 'bookworm-updates', components: ['main'], queries: updatesQueries },
    ];
    console.log(`node set: ${sources[0].queries.length} queries from bookworm, ${updatesQueries.length} from bookworm-updates (${updatesQueries.join(', ')})`);
    const key = await cachedPassphraseTestKey();
    await nodeCase(sources, key);
    if (!process.argv.includes('--no-oracle')) console.log(await aptlyOracle(base, sources[0].queries));
    if (!process.argv.includes('--no-large')) await largeCase(sources, key);
  } finally {
    await keys.stop();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
