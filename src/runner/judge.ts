// Debian's resolver judges the signed tree before anything is published: for each world and client
// architecture, dose-debcheck must find every requested package installable from the world's
// published Packages files alone (what a client with an empty dpkg status has).
import * as fs from 'fs';
import * as path from 'path';
import { fieldOf } from './deb/packages-index';
import { BuildLog } from './log';
import { BuildError, ChildProcesses } from './proc';
import { SourceMirror } from './source-state';
import { worldArchitectures } from './world';

/** Where a judge writes its foreground files, says its verdict, and runs dose-debcheck. */
export interface JudgeContext {
  readonly workDir: string;
  readonly log: BuildLog;
  readonly procs: ChildProcesses;
}

/**
 * Judges the Packages files each source published (byte for byte what the merged tree serves;
 * reading them from the sources' own trees lets the merge run meanwhile).
 */
export async function judgeWorld(world: string, sources: readonly SourceMirror[], ctx: JudgeContext): Promise<void> {
  const { workDir, log, procs } = ctx;
  const archs = worldArchitectures(sources);
  let checked = 0;
  for (const arch of archs) {
    const files: string[] = [];
    for (const s of sources) {
      for (const component of s.state.mirrors.keys()) {
        const f = path.join(s.work, 'root', 'public', s.config.prefix, 'dists', s.config.publishDistribution, component, `binary-${arch}`, 'Packages');
        if (fs.existsSync(f)) files.push(f);
      }
    }
    // Foreground: the requested packages of gated sources, as published.
    const wanted = new Set(sources.filter(s => s.config.dependencyGate).flatMap(s => s.state.requested)
      .filter(e => e.architecture === arch || e.architecture === 'all').map(e => e.key));
    if (!wanted.size) continue;
    const fg: string[] = [];
    for (const f of files) {
      for (const block of (await fs.promises.readFile(f, 'utf8')).split(/\n\s*\n/)) {
        const get = (k: string) => fieldOf(block, k);
        if (wanted.has(`${get('Package')} ${get('Version')} ${get('Architecture')}`)) fg.push(block.trim());
      }
    }
    const fgFile = path.join(workDir, `judge-${world}-${arch}.Packages`);
    await fs.promises.writeFile(fgFile, fg.join('\n\n') + '\n');
    const r = await procs.run('dose-debcheck', [`--deb-native-arch=${arch}`, '-e', '-f', `--fg=${fgFile}`, ...files.map(f => `--bg=${f}`)]);
    if (r.code === 1) {
      throw new BuildError(`world ${world} [${arch}]: Debian's resolver (dose-debcheck) cannot install every requested package from the staged mirror:\n${summarize(r.stdout)}`, r.stdout);
    }
    if (r.code !== 0) throw new BuildError(`world ${world} [${arch}]: dose-debcheck failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    checked += fg.length;
  }
  log.step(`world ${world}: dose-debcheck installs ${checked === 1 ? 'the 1 requested package' : `all ${checked} requested packages`} (${archs.join(', ')})`);
}

/** The broken packages and their unsatisfied dependencies or conflicts, one line each. */
export function summarize(report: string): string {
  const lines: string[] = [];
  let pkg = '';
  for (const line of report.split('\n')) {
    const p = /^ {2}package: (.*)$/.exec(line);
    if (p) pkg = p[1];
    const m = /(unsat-dependency|unsat-conflict): (.*)$/.exec(line);
    if (m && pkg) lines.push(`  ${pkg}: ${m[1]} ${m[2]}`);
  }
  const unique = [...new Set(lines)];
  return (unique.length ? unique.slice(0, 20).join('\n') + (unique.length > 20 ? `\n  ... and ${unique.length - 20} more` : '') : report.slice(0, 2000));
}
