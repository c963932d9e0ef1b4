import * as fs from 'fs';
import * as path from 'path';
import { AptlyConfig } from '../aptly-config';
import { lineOf, parseAptlyConfigText } from '../aptly-config-text';
import { inspectKeyFile } from '../key-file-check';
import { SourceLoadOptions } from './load-options';
import { LoadedSource, loadSources, Reading, ReadSource } from './load-pipeline';
import { Lines, meaningfulLines, parseSourceTxt, SourceLine } from './seed-text';
import { readTreeBytes, readTreeFile, realDir, TreeRoots } from './tree-files';
import { redactUrl } from '../../util/redact';
import { PackageList } from '../package-list';
import { Problem, throwIfProblems } from '../problems';
import { countCanonicalLines } from '../query/canonical';
import { FieldProblem } from '../source-checks';
import { UpstreamKey } from '../upstream-key';
import { isFlatDistribution } from '../validation';

const KEY_FILES = ['key.asc', 'key.gpg'];
const SOURCE_FILES = new Set(['source.txt', 'packages.txt', 'aptly.conf', ...KEY_FILES]);

/** Loads `<dir>/<prefix>/<name>/{source.txt,packages.txt[,aptly.conf]}`, reporting every problem. */
export function loadSourceDirectory(dir: string, options: SourceLoadOptions = {}): LoadedSource[] {
  return loadSources({
    what: `sources directory ${dir}`,
    where: dir,
    noSources: 'no sources found: expected <prefix>/<name>/source.txt and packages.txt below it',
    read: reading => readDirectory(dir, reading),
  }, options);
}

/** Reads the seed's directory layout, one source directory at a time. */
function* readDirectory(dir: string, reading: Reading): Iterable<ReadSource> {
  if (!isDir(dir)) {
    throwIfProblems(`sources directory ${dir}`, [{ file: dir, message: 'not a directory: give the path of the seed sources directory (<dir>/<prefix>/<name>/source.txt)' }]);
  }
  const tree = realDir(dir);
  for (const { name: prefix, isDirectory } of visible(dir)) {
    const prefixDir = path.join(dir, prefix);
    if (!isDirectory) {
      reading.problems.push({
        file: prefixDir,
        message: 'stray file: the sources directory holds only <prefix>/<name>/ directories'
          + (SOURCE_FILES.has(prefix) ? ` (${prefix} belongs in a source directory: move it to \`<prefix>/<name>/\`)` : ''),
      });
      continue;
    }
    const names = visible(prefixDir);
    if (names.length === 0) reading.problems.push({ file: prefixDir, message: 'empty prefix directory: add a <name>/ directory with source.txt and packages.txt, or remove it' });
    for (const { name, isDirectory: isSourceDir } of names) {
      const sourceDir = path.join(prefixDir, name);
      if (!isSourceDir) {
        // `sources/<name>/source.txt` is a level too shallow: say where such a file goes.
        const move = SOURCE_FILES.has(name) ? ` (${name} belongs in a source directory: move it to \`<prefix>/<name>/\`, e.g. ${path.join(dir, '<prefix>', prefix, name)})` : '';
        reading.problems.push({ file: sourceDir, message: `stray file: a prefix directory holds only <name>/ source directories${move}` });
        continue;
      }
      reading.ids.push(`${prefix}/${name}`);
      yield readSourceDirectory(sourceDir, prefix, name, reading, { tree, source: realDir(sourceDir) });
    }
  }
}

/** The files of one source directory. */
interface SourceFiles {
  readonly dir: string;
  readonly source: string;
  readonly packages: string;
  readonly config: string;
}

/** Reads `<prefix>/<name>/`: its three files, each problem with its file and line. */
function readSourceDirectory(dir: string, prefix: string, name: string, reading: Reading, roots: TreeRoots): ReadSource {
  const problems = reading.problems;
  const files: SourceFiles = {
    dir, source: path.join(dir, 'source.txt'), packages: path.join(dir, 'packages.txt'), config: path.join(dir, 'aptly.conf'),
  };
  const entries = visible(dir);
  for (const entry of entries.filter(e => !SOURCE_FILES.has(e.name))) {
    const stray = entry.isDirectory ? 'stray directory' : 'stray file';
    problems.push({ file: path.join(dir, entry.name), message: `${stray}: a source directory holds only source.txt, packages.txt, aptly.conf and key.asc or key.gpg` });
  }
  const keyFiles = KEY_FILES.filter(k => entries.some(e => e.name === k && !e.isDirectory));
  const sourceText = readTreeFile(files.source, roots, problems);
  const line = sourceText === undefined ? { tokens: [], line: 1, complete: false } : parseSourceTxt(sourceText, files.source, problems, keyFiles[0]);
  const key = readKeyFile(dir, keyFiles, line, files.source, roots, problems);
  const packages = readPackages(files.packages, roots, problems);
  const config = entries.some(e => e.name === 'aptly.conf') ? readConfig(files.config, roots, problems) : {};

  const id = `${prefix}/${name}`;
  // With a key file the line has no key_url: `url dist component...`.
  const [url, keyUrl, distribution] = keyFiles.length ? [line.tokens[0], undefined, line.tokens[1]] : line.tokens;
  if (distribution) {
    // A flat repository is published under the source's name (the directory format has no other).
    const published = isFlatDistribution(distribution.text) ? name : distribution.text;
    reading.publications.push({ id, prefix, distribution: published, at: { file: files.source, line: line.line, column: distribution.column } });
  }
  return {
    id,
    definedAt: dir,
    complete: line.complete && packages.hasQueries && (keyFiles.length === 0 || key !== undefined),
    fields: {
      prefix,
      name,
      url: url?.text,
      keyUrl: keyUrl?.text,
      key,
      distribution: distribution?.text,
      components: line.tokens.slice(keyFiles.length ? 2 : 3).map(t => t.text),
      packages: packages.list ?? packages.lines?.texts ?? [],
      keyFingerprints: [],
      architectures: [],
      aptlyConfig: config.aptlyConfig,
    },
    locate: p => locateInDirectory(p, files, line, packages.lines, config.text, keyFiles.length > 0),
  };
}

/** Where a field of a source directory was written. */
function locateInDirectory(
  p: FieldProblem, files: SourceFiles, line: SourceLine, packageLines: Lines | undefined, configText: string | undefined, keyFile: boolean,
): Problem {
  // With a key file, the line has no key_url: the words after the url move one to the left.
  const inSourceTxt = (token: number) => {
    const i = keyFile && token >= 2 ? token - 1 : token;
    return { file: files.source, line: line.line, column: line.tokens[i]?.column, message: p.message };
  };
  switch (p.field) {
    case 'prefix': return { file: path.dirname(files.dir), message: p.message };
    case 'name': return { file: files.dir, message: p.message };
    case 'url': return inSourceTxt(0);
    case 'keyUrl': return inSourceTxt(1);
    case 'distribution': return inSourceTxt(2);
    case 'components': return inSourceTxt(3 + (p.index ?? 0));
    case 'packages': {
      const i = p.index ?? 0;
      return { file: files.packages, line: packageLines!.lineNumbers[i], column: packageLines!.columns[i] + (p.column ?? 1) - 1, message: p.message };
    }
    case 'aptlyConfig': return { file: files.config, line: configText ? lineOf(configText, '"gpgDisableVerify"') : 1, message: p.message };
    // Only the load options set the other fields: the pipeline names the option.
    default: return { file: files.dir, message: p.message };
  }
}

/**
 * The source's key file (key.asc or key.gpg), checked: one of them, no key_url besides, an
 * OpenPGP public key file. Undefined (reported) when any of that fails, or when there is none.
 */
function readKeyFile(
  dir: string, keyFiles: string[], line: SourceLine, sourceTxt: string, roots: TreeRoots, problems: Problem[],
): UpstreamKey | undefined {
  if (keyFiles.length === 0) return undefined;
  const file = path.join(dir, keyFiles[0]);
  if (keyFiles.length > 1) {
    problems.push({ file: dir, message: `both ${keyFiles.join(' and ')}: a source has one upstream key file; remove one of them` });
    return undefined;
  }
  const second = line.tokens[1];
  if (second && second.text.includes('://')) {
    problems.push({
      file: sourceTxt,
      line: line.line,
      column: second.column,
      message: `key_url ${redactUrl(second.text)} and ${keyFiles[0]} both give the upstream key: remove key_url from source.txt ("url dist component...") or remove ${keyFiles[0]}`,
    });
    return undefined;
  }
  const bytes = readTreeBytes(file, roots, problems);
  if (bytes === undefined) return undefined;
  const { info, problem } = inspectKeyFile(bytes, keyFiles[0]);
  if (problem) {
    problems.push({ file, message: problem });
    return undefined;
  }
  if (info!.armored !== (keyFiles[0] === 'key.asc')) {
    problems.push({ file, message: info!.armored ? 'key.gpg is armored text: rename it to key.asc' : 'key.asc is a binary keyring: rename it to key.gpg' });
    return undefined;
  }
  return UpstreamKey._fromBytes(bytes, `upstream key file ${file}`);
}

/** packages.txt: one query per line; a tidy file of canonical queries is taken as it is. */
function readPackages(file: string, roots: TreeRoots, problems: Problem[]): { list?: PackageList; lines?: Lines; hasQueries: boolean } {
  const text = readTreeFile(file, roots, problems);
  if (text === undefined) return { hasQueries: false };
  if (countCanonicalLines(text) !== undefined) return { list: PackageList.fromCanonicalText(text), hasQueries: true };
  const lines = meaningfulLines(text);
  if (lines.texts.length === 0) problems.push({ file, line: 1, message: 'no package queries: list one package query per line, e.g. "nginx" or "libc6 (>= 2.36)"' });
  return { lines, hasQueries: lines.texts.length > 0 };
}

/** aptly.conf, when the directory has one. */
function readConfig(file: string, roots: TreeRoots, problems: Problem[]): { aptlyConfig?: AptlyConfig; text?: string } {
  const text = readTreeFile(file, roots, problems);
  if (text === undefined) return {};
  const parsed = parseAptlyConfigText(text);
  if (parsed.error) {
    problems.push({ file, line: parsed.error.line, message: parsed.error.message });
    return { text };
  }
  return { aptlyConfig: AptlyConfig.fromJson(parsed.json!, file), text };
}

/** Entries without dotfiles, sorted; from one readdir (a stat only for symlinks). */
function visible(dir: string): { name: string; isDirectory: boolean }[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter(e => !e.name.startsWith('.'))
    .map(e => ({ name: e.name, isDirectory: e.isDirectory() || (e.isSymbolicLink() && isDir(path.join(dir, e.name))) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
