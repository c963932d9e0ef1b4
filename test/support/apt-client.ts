import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RunResult, runCommand } from './run-build';

/** One deb822 stanza of the client's `.sources` file. */
export interface AptSource {
  /** e.g. http://127.0.0.1:8080/debian */
  readonly uri: string;
  readonly suite: string;
  readonly components: readonly string[];
  /** Armored public key the Release must be signed with (Signed-By). */
  readonly signedBy: string;
}

export interface AptClientOptions {
  /** @default 'amd64' */
  readonly architecture?: string;
  /** Foreign architectures in addition to `architecture`. @default [] */
  readonly foreignArchitectures?: readonly string[];
}

/** A planned `Inst` line of `apt-get --simulate install`. */
export interface PlannedInstall {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
}

/**
 * Real apt-get (run as root) against a throwaway root: its own sources, lists, cache and an empty
 * dpkg status; the host's apt configuration and trusted keys are not used (APT_CONFIG is read
 * before anything else and moves Dir, so apt.conf.d, trusted.gpg(.d) and sources all come from
 * the throwaway root).
 */
export class AptClient {
  public static async create(sources: readonly AptSource[], options: AptClientOptions = {}): Promise<AptClient> {
    const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-apt-'));
    await fs.promises.chmod(root, 0o755);
    for (const dir of ['etc/apt/sources.list.d', 'etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/trusted.gpg.d',
      'etc/apt/keyrings', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/lib/dpkg', 'var/log/apt']) {
      await fs.promises.mkdir(path.join(root, dir), { recursive: true });
    }
    await fs.promises.writeFile(path.join(root, 'var/lib/dpkg/status'), '');
    const stanzas: string[] = [];
    for (const [i, source] of sources.entries()) {
      const keyFile = path.join(root, 'etc/apt/keyrings', `source-${i}.asc`);
      await fs.promises.writeFile(keyFile, source.signedBy);
      stanzas.push([
        'Types: deb',
        `URIs: ${source.uri}`,
        `Suites: ${source.suite}`,
        `Components: ${source.components.join(' ')}`,
        `Signed-By: ${keyFile}`,
      ].join('\n'));
    }
    await fs.promises.writeFile(path.join(root, 'etc/apt/sources.list.d/mirror.sources'), stanzas.join('\n\n') + '\n');
    const arch = options.architecture ?? 'amd64';
    const archs = [arch, ...(options.foreignArchitectures ?? [])];
    const config = [
      `Dir "${root}/";`,
      `Dir::State::status "${root}/var/lib/dpkg/status";`,
      `Dir::Etc::trusted "${root}/etc/apt/trusted.gpg";`,
      `Dir::Etc::trustedparts "${root}/etc/apt/trusted.gpg.d/";`,
      'Debug::NoLocking "true";',
      'APT::Sandbox::User "root";',
      `APT::Architecture "${arch}";`,
      `APT::Architectures { ${archs.map((a) => `"${a}";`).join(' ')} };`,
      'Acquire::Languages "none";',
      'Acquire::Retries "0";',
      'Acquire::http::Proxy::127.0.0.1 "DIRECT";',
      'Acquire::http::Proxy::localhost "DIRECT";',
    ];
    const configFile = path.join(root, 'apt.conf');
    await fs.promises.writeFile(configFile, config.join('\n') + '\n');
    return new AptClient(root, configFile);
  }

  private constructor(public readonly root: string, private readonly configFile: string) {}

  /** Runs an apt tool with this client's configuration. */
  public async apt(tool: 'apt-get' | 'apt-cache', args: readonly string[]): Promise<RunResult> {
    return runCommand(tool, args, {
      env: { ...process.env, APT_CONFIG: this.configFile, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    });
  }

  /**
   * `apt-get update`; throws unless it succeeds with no warning or error at all (an unsigned or
   * wrongly signed Release is a warning or error).
   */
  public async update(): Promise<RunResult> {
    const r = await this.apt('apt-get', ['update']);
    const problems = (r.stdout + r.stderr).split('\n').filter((l) => /^(W|E|Err):/.test(l));
    if (r.exitCode !== 0 || problems.length > 0) {
      throw new Error(`apt-get update failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  /** `apt-get --simulate install`: the planned installs; throws when apt cannot satisfy the request. */
  public async simulateInstall(packages: readonly string[]): Promise<PlannedInstall[]> {
    const r = await this.apt('apt-get', ['--simulate', '--no-install-recommends', 'install', ...packages]);
    if (r.exitCode !== 0) {
      throw new Error(`apt-get --simulate install ${packages.join(' ')} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    }
    return parseInstLines(r.stdout);
  }

  /** `apt-cache policy`. */
  public async policy(...packages: string[]): Promise<string> {
    const r = await this.apt('apt-cache', ['policy', ...packages]);
    if (r.exitCode !== 0) throw new Error(`apt-cache policy failed:\n${r.stderr}`);
    return r.stdout;
  }

  /** Versions apt knows for a package, newest first, each once (from `apt-cache madison`). */
  public async versions(pkg: string): Promise<string[]> {
    const r = await this.apt('apt-cache', ['madison', pkg]);
    const versions = r.stdout.split('\n').filter((l) => l.includes('|') && l.includes('Packages'))
      .map((l) => l.split('|')[1].trim());
    return [...new Set(versions)];
  }

  public async dispose(): Promise<void> {
    await fs.promises.rm(this.root, { recursive: true, force: true });
  }
}

/** Parses `Inst name [old] (version release [arch])` lines of a simulated install. */
export function parseInstLines(output: string): PlannedInstall[] {
  const result: PlannedInstall[] = [];
  for (const line of output.split('\n')) {
    const m = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) .*\[([^\]]+)\]\)/.exec(line);
    if (m) result.push({ name: m[1].replace(/:[^:]+$/, ''), version: m[2], architecture: m[3] });
  }
  return result;
}
