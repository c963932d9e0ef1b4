import { hintedError, ProblemHint } from './hinted-error';

/**
 * Kubernetes (etcd) rejects objects over 1 MiB when they are applied, long after synth; stay
 * well below so metadata fits and the failure comes at synth time with advice instead.
 */
export const CONFIG_MAP_SAFE_BYTES = 900 * 1024;

/** Bytes one data entry takes in a ConfigMap (key and value). */
export function dataEntryBytes(key: string, value: string): number {
  return key.length + Buffer.byteLength(value);
}

/** Bytes of a ConfigMap's data as stored (keys and values). */
export function configMapDataBytes(data: { readonly [key: string]: string }): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) bytes += dataEntryBytes(key, value);
  return bytes;
}

/** Throws when a ConfigMap's data would not fit, saying how big it is and what to do. */
export function checkConfigMapSize(name: string, data: { readonly [key: string]: string }, advice: string, hint?: ProblemHint): void {
  const bytes = configMapDataBytes(data);
  if (bytes > CONFIG_MAP_SAFE_BYTES) {
    const message = `the ConfigMap ${name} would hold ${Math.ceil(bytes / 1024)} KiB, over the ${CONFIG_MAP_SAFE_BYTES / 1024} KiB a ConfigMap can safely hold: ${advice}`;
    throw hint ? hintedError(message, hint) : new Error(message);
  }
}

/**
 * Largest seed file (source.txt, packages.txt, aptly.conf) a loader reads: its normalized form
 * must fit one ConfigMap (`CONFIG_MAP_SAFE_BYTES`), and comments and blank lines leave room for
 * some slack, not for a file hundreds of times that size (which is refused without reading it).
 */
export const SOURCE_FILE_MAX_BYTES = 4 * CONFIG_MAP_SAFE_BYTES;
