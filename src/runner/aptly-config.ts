// The aptly config of one source: the user's (the source's own aptly.conf, else the default),
// with our rootDir, gpg provider and architectures.
import * as fs from 'fs';
import { BuildError } from './proc';

/** Writes the source's aptly config; returns the user's config it is based on. */
export async function writeAptlyConfig(target: string, sourceConf: string, defaultConf: string, rootDir: string,
  archs: string[], verify: boolean, id: string): Promise<Record<string, unknown>> {
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
  const user = { ...conf };
  conf.rootDir = rootDir;
  conf.gpgProvider = 'gpg';
  conf.architectures = archs;
  conf.downloadConcurrency ??= 8;
  if (verify) conf.gpgDisableVerify = false;
  await fs.promises.writeFile(target, JSON.stringify(conf, null, 2));
  return user;
}
