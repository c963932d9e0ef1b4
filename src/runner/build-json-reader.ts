// build.json (docs/build-contract.md), read and checked before anything runs.
import * as fs from 'fs';
import { BuildError } from './proc';
import { BUILD_CONFIG_VERSION, BUILD_JSON_DEFAULTS, BuildConfig, SourceConfig } from '../contract/build-json';

export type { BuildConfig, SigningConfig, SourceConfig } from '../contract/build-json';

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export function readBuildConfig(file: string): BuildConfig {
  let raw: any;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BuildError(`${file}: cannot read build config: ${(e as Error).message}`);
  }
  if (raw?.version !== BUILD_CONFIG_VERSION) {
    throw new BuildError(`${file}: unsupported version ${JSON.stringify(raw?.version)} (expected ${BUILD_CONFIG_VERSION}): the build script and the synthesized ConfigMap come from different cdk8s-mini-mirror versions`);
  }
  const sources: SourceConfig[] = Array.isArray(raw.sources) ? raw.sources : [];
  if (!sources.length) throw new BuildError(`${file} lists no source`);
  for (const s of sources) checkSource(file, s);
  const validFor = raw.validForSeconds;
  if (validFor !== undefined && validFor !== null && !(Number.isSafeInteger(validFor) && validFor > 0)) {
    throw new BuildError(`${file}: validForSeconds must be a whole number of seconds above 0 or null, got ${JSON.stringify(validFor)}`);
  }
  return normalized(raw, sources);
}

/** Refuses a source whose values could be misread by a tool (the construct checked them; this file may not come from it). */
function checkSource(file: string, s: SourceConfig): void {
  const id = `${s.prefix}/${s.name}`;
  for (const [what, v] of [['prefix', s.prefix], ['name', s.name], ['world', s.world]] as const) {
    if (typeof v !== 'string' || !SAFE_SEGMENT.test(v)) throw new BuildError(`${file}: source ${id}: invalid ${what} ${JSON.stringify(v)}`);
  }
  if ((s.keyFile === undefined) === (s.keyUrl === null || s.keyUrl === undefined)) {
    throw new BuildError(`${file}: source ${id}: give exactly one of keyUrl and keyFile`);
  }
  if (s.keyFile !== undefined && !['key.asc', 'key.gpg', 'key'].includes(s.keyFile)) {
    throw new BuildError(`${file}: source ${id}: invalid keyFile ${JSON.stringify(s.keyFile)} (key.asc, key.gpg or key)`);
  }
  for (const [what, v] of [['url', s.url], ...(s.keyFile === undefined ? [['keyUrl', s.keyUrl]] as const : []), ['distribution', s.distribution], ['publishDistribution', s.publishDistribution]] as const) {
    if (typeof v !== 'string' || v === '' || v.startsWith('-') || /[\s\p{Cc}]/u.test(v)) {
      throw new BuildError(`${file}: source ${id}: invalid ${what} ${JSON.stringify(v)}`);
    }
  }
  if (!Array.isArray(s.components) || s.components.some(c => typeof c !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(c))) {
    throw new BuildError(`${file}: source ${id}: invalid components ${JSON.stringify(s.components)}`);
  }
  if ((s.components.length === 0) !== s.distribution.endsWith('/')) {
    throw new BuildError(`${file}: source ${id}: a flat repository (distribution ending in '/') has no components, any other source has some`);
  }
  if (s.architectures !== null && (!Array.isArray(s.architectures) || !s.architectures.length || s.architectures.some(a => !/^[a-z0-9-]+$/.test(a) || a === 'all'))) {
    throw new BuildError(`${file}: source ${id}: invalid architectures ${JSON.stringify(s.architectures)}`);
  }
}

/** The config with defaults filled in and fingerprints in one form. */
function normalized(raw: any, sources: SourceConfig[]): BuildConfig {
  return {
    version: BUILD_CONFIG_VERSION,
    contentHash: typeof raw.contentHash === 'string' ? raw.contentHash : null,
    buildIdentity: typeof raw.buildIdentity === 'string' ? raw.buildIdentity : typeof raw.contentHash === 'string' ? raw.contentHash : null,
    refreshEpoch: typeof raw.refreshEpoch === 'string' ? raw.refreshEpoch : null,
    concurrency: Math.max(1, Math.floor(Number(raw.concurrency) || BUILD_JSON_DEFAULTS.concurrency)),
    retries: Math.max(1, Math.floor(Number(raw.retries) || BUILD_JSON_DEFAULTS.retries)),
    stallTimeoutSeconds: Math.max(1, Math.floor(Number(raw.stallTimeoutSeconds) || BUILD_JSON_DEFAULTS.stallTimeoutSeconds)),
    previousManifest: typeof raw.previousManifest === 'string' && raw.previousManifest !== '' ? raw.previousManifest : null,
    validForSeconds: typeof raw.validForSeconds === 'number' ? raw.validForSeconds : null,
    rollbackFrom: typeof raw.rollbackFrom === 'string' && raw.rollbackFrom !== '' ? raw.rollbackFrom : null,
    signing: raw.signing?.mode === 'unsigned' ? { mode: 'unsigned' } : {
      mode: 'key',
      privateKeyFile: raw.signing?.privateKeyFile ?? BUILD_JSON_DEFAULTS.privateKeyFile,
      passphraseFile: raw.signing?.passphraseFile ?? null,
      fingerprint: raw.signing?.fingerprint ? String(raw.signing.fingerprint).replace(/\s+/g, '').toUpperCase() : undefined,
    },
    sources: sources.map(s => ({
      ...s,
      verify: s.verify !== false,
      dependencyGate: s.dependencyGate !== false,
      recommends: s.recommends !== false,
      allowBroadQueries: s.allowBroadQueries === true,
      allowDistributionMismatch: s.allowDistributionMismatch === true,
      fingerprints: (s.fingerprints ?? []).map(f => f.replace(/\s+/g, '').toUpperCase()),
      origin: s.origin ?? null,
      label: s.label ?? null,
      suite: s.suite ?? null,
      allowDowngrade: s.allowDowngrade === true,
    })),
  };
}
