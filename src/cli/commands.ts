import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parseArgs, UsageError } from './args';
import { MiniMirror } from '../mini-mirror';
import { ReleaseSigning } from '../signing/release-signing';
import { MirrorSource } from '../sources/mirror-source';

/** Where a command writes; injectable for tests. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const USAGE = `usage: mini-mirror <command> [options]

commands:
  check <sources-dir | sources.yaml>   validate sources; print every problem with file:line
  synth --sources <dir|yaml> ...       write the Kubernetes YAML that MiniMirror synthesizes

run "mini-mirror <command> --help" for a command's options.

exit codes: 0 success, 1 problems in the input (all printed), 2 wrong usage`;

export const CHECK_USAGE = `usage: mini-mirror check <sources-dir | sources.yaml>

Validates a seed sources directory (<dir>/<prefix>/<name>/{source.txt,packages.txt[,aptly.conf]})
or a seed multi-document sources YAML file, and prints every problem with file:line:column.

exit codes: 0 valid, 1 problems found, 2 wrong usage`;

export const SYNTH_USAGE = `usage: mini-mirror synth --sources <dir|yaml> --signing-secret NAME --public-key FILE --image REPO [options]

Writes the YAML that the MiniMirror construct synthesizes to <out>/<name>.k8s.yaml.

required:
  --sources <dir|yaml>        seed sources directory or YAML file
  --signing-secret NAME       Secret holding the armored private key (and passphrase)
  --public-key FILE           armored public key of the signing key
  --image REPO                image repository to push and serve, e.g. registry.example.com/mini-mirror
options:
  --passphrase-key KEY        Secret key holding the passphrase (omit for a key without one)
  --private-key-key KEY       Secret key holding the private key (default signing-key.asc)
  --push-secret NAME          docker-config Secret for pushing the image
  --namespace NS              namespace of every object (default: none, i.e. kubectl's)
  --name NAME                 base name of the objects (default mirror)
  --out DIR                   output directory (default dist)
  --insecure-unsigned         publish unsigned (never in production; no --signing-secret/--public-key)

exit codes: 0 written, 1 problems in the input (all printed), 2 wrong usage`;

function loadSources(target: string): MirrorSource[] {
  if (!fs.existsSync(target)) throw new UsageError(`${target} does not exist: give a sources directory or a sources YAML file`);
  return fs.statSync(target).isDirectory() ? MirrorSource.fromDirectory(target) : MirrorSource.fromYamlFile(target);
}

export function check(argv: string[], io: Output): number {
  const args = parseArgs(argv, [], ['help']);
  if (args.options.has('help')) {
    io.out(CHECK_USAGE);
    return 0;
  }
  if (args.positional.length !== 1) throw new UsageError('check takes exactly one sources directory or YAML file');
  const sources = loadSources(args.positional[0]);
  io.out(`ok: ${sources.length} source${sources.length === 1 ? '' : 's'}, ${sources.reduce((n, s) => n + s.packages.length, 0)} package queries`);
  for (const s of sources) io.out(`  ${s.prefix}/dists/${s.distribution}  ${s.components.join(',')}  ${s.packages.length} queries  (${s.id})`);
  return 0;
}

export function synth(argv: string[], io: Output): number {
  const valued = ['sources', 'signing-secret', 'public-key', 'image', 'passphrase-key', 'private-key-key', 'push-secret', 'namespace', 'name', 'out'];
  const args = parseArgs(argv, valued, ['help', 'insecure-unsigned']);
  if (args.options.has('help')) {
    io.out(SYNTH_USAGE);
    return 0;
  }
  if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
  const opt = (name: string) => args.options.get(name) as string | undefined;
  const required = (name: string) => {
    const v = opt(name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  };
  const unsigned = args.options.has('insecure-unsigned');
  if (unsigned && (opt('signing-secret') || opt('public-key'))) throw new UsageError('--insecure-unsigned excludes --signing-secret and --public-key');

  const sources = loadSources(required('sources'));
  let signing: ReleaseSigning;
  if (unsigned) {
    signing = ReleaseSigning.insecureUnsigned();
  } else {
    const secretName = required('signing-secret');
    const keyFile = required('public-key');
    let publicKey: string;
    try {
      publicKey = fs.readFileSync(keyFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --public-key ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    signing = ReleaseSigning.fromSecret({ secretName, publicKey, passphraseKey: opt('passphrase-key'), privateKeyKey: opt('private-key-key') });
  }
  const outdir = path.resolve(opt('out') ?? 'dist');
  const name = opt('name') ?? 'mirror';
  const app = new App({ outdir });
  const chart = new Chart(app, name, { namespace: opt('namespace'), disableResourceNameHashes: true });
  const mirror = new MiniMirror(chart, name, {
    sources,
    signing,
    image: { repository: required('image'), pushSecretName: opt('push-secret') },
  });
  app.synth();
  io.out(`wrote ${path.join(outdir, `${name}.k8s.yaml`)}: build Job ${mirror.buildJob.jobName}, image ${mirror.imageRef}`);
  if (unsigned) io.err('warning: the mirror is NOT signed; clients will trust it blindly. Never use this in production.');
  return 0;
}
