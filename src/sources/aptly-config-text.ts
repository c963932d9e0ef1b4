import { aptlyKeyProblem } from './aptly-keys';
import { checkArchitecture } from './validation';
import { jsonErrorOffset } from '../util/json-error';

export interface ParsedAptlyConfig {
  readonly json?: { [key: string]: any };
  readonly error?: { line: number; message: string };
}

const SHOWABLE_KEY = /^[A-Za-z_$][A-Za-z0-9_.-]*$/;

/** Parses aptly config text without throwing, so loaders can report file:line for every problem. */
export function parseAptlyConfigText(text: string): ParsedAptlyConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const offset = Math.max(0, jsonErrorOffset(text));
    const line = text.slice(0, offset).split('\n').length;
    const near = text.slice(offset, offset + 20).split('\n')[0] || 'end of file';
    return { error: { line, message: `aptly config is not valid JSON: unexpected "${near}" (${(e as Error).message.split('\n')[0].slice(0, 80)}): fix the syntax` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: { line: 1, message: 'aptly config must be a JSON object' } };
  }
  const json = value as { [key: string]: any };
  for (const key of Object.keys(json)) {
    const problem = aptlyKeyProblem(key);
    if (problem) return { error: { line: SHOWABLE_KEY.test(key) ? lineOf(text, `"${key}"`) : 1, message: problem } };
  }
  const archs = json.architectures;
  if (archs !== undefined) {
    const line = lineOf(text, '"architectures"');
    if (!Array.isArray(archs) || archs.some(a => typeof a !== 'string')) {
      return { error: { line, message: 'aptly config "architectures" must be a list of strings' } };
    }
    for (const arch of archs as string[]) {
      const problem = checkArchitecture(arch);
      if (problem) return { error: { line, message: problem } };
    }
  }
  for (const key of ['gpgDisableVerify', 'gpgDisableSign', 'downloadSourcePackages', 'skipContentsPublishing', 'skipBz2Publishing']) {
    if (json[key] !== undefined && typeof json[key] !== 'boolean') {
      return { error: { line: lineOf(text, `"${key}"`), message: `aptly config "${key}" must be true or false` } };
    }
  }
  return { json };
}

/** 1-based line of the first `needle` in `text` (1 when absent). */
export function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i < 0 ? 1 : text.slice(0, i).split('\n').length;
}
