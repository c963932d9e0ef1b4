// The aptly config of one source: the user's (the source's own aptly.conf, else the default),
// with our rootDir, gpg provider and architectures.
import * as fs from 'fs';
import { BuildError } from '../proc';

/** The user's aptly config of a source: its own aptly.conf, else the default (none: empty). */
export async function readUserAptlyConfig(sourceConf: string, defaultConf: string, id: string): Promise<Record<string, unknown>> {
  const base = fs.existsSync(sourceConf) ? sourceConf : defaultConf;
  let conf: Record<string, unknown> = {};
  if (fs.existsSync(base)) {
    try {
      conf = JSON.parse(await fs.promises.readFile(base, 'utf8'));
    } catch {
      throw new BuildError(`${id}: ${base} is not a valid aptly config (JSON object)`);
    }
    if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) throw new BuildError(`${id}: ${base} is not a valid aptly config (JSON object)`);
  }
  return conf;
}

/** What the runner sets in a source's aptly config, whatever the user's says. */
export interface OurAptlySettings {
  readonly rootDir: string;
  readonly archs: string[];
  /** Whether upstream signatures are verified (by us: aptly is told not to skip it either). */
  readonly verify: boolean;
  /** aptly's dependencyFollowRecommends. @default true */
  readonly recommends?: boolean;
}

/**
 * Writes the source's aptly config: the user's, with our rootDir, gpg provider, architectures and no Contents by default,
 * and `dependencyFollowRecommends` as build.json says (the mirror's setting, or the user's `true`,
 * decided at synth time): `-filter-with-deps` then takes what the world closure takes.
 */
export async function writeAptlyConfig(target: string, user: Readonly<Record<string, unknown>>, ours: OurAptlySettings): Promise<void> {
  const conf: Record<string, unknown> = { ...user };
  conf.dependencyFollowRecommends = ours.recommends ?? true;
  conf.rootDir = ours.rootDir;
  conf.gpgProvider = 'gpg';
  conf.architectures = ours.archs;
  conf.downloadConcurrency ??= 8;
  // No Contents indexes unless the config asks (`skipContentsPublishing: false`): apt never reads
  // them, and aptly would open every package to list its files.
  conf.skipContentsPublishing ??= true;
  if (ours.verify) conf.gpgDisableVerify = false;
  await fs.promises.writeFile(target, JSON.stringify(conf, null, 2));
}
