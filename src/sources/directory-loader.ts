import * as fs from 'fs';
import * as path from 'path';
import { AptlyConfig } from './aptly-config';
import { lineOf, parseAptlyConfigText } from './aptly-config-text';
import { SourceLoadOptions } from './load-options';
import { MirrorSource } from './mirror-source';
import { applyOverrides, checkOverrideKeys } from './overrides';
import { PackageList } from './package-list';
import { Problem, throwIfProblems } from './problems';
import { countCanonicalLines } from './query/canonical';
import { asProps, checkPartialSourceFields, checkSourceFields, FieldProblem, SourceFields } from './source-checks';
import { duplicatePublications, Publication } from './uniqueness';
import { isFlatDistribution } from './validation';

const SOURCE_FILES = new Set(['source.txt', 'packages.txt', 'aptly.conf']);

/** The non-blank lines of a seed text file without `#` comments, trimmed, with where each is. */
export interface Lines {
  readonly texts: string[];
  /** 1-based line number of each entry of `texts`. */
  readonly lineNumbers: number[];
  /** 1-based column where each entry of `texts` starts. */
  readonly columns: number[];
}

// A file without comments, blank lines, indentation or trailing blanks is split as it is: a
// packages.txt of thousands of lines then costs no per-line work here.
const UNTIDY = /#|\r|^\s|\s$|\n\s|\s\n/;

/** Non-blank lines without `#` comments (a `#` at the start or after whitespace starts one). */
export function meaningfulLines(text: string): Lines {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body && !UNTIDY.test(body)) {
    const texts = body.split('\n');
    return { texts, lineNumbers: texts.map((_, i) => i + 1), columns: texts.map(() => 1) };
  }
  const lines: Lines = { texts: [], lineNumbers: [], columns: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const withoutComment = raw.replace(/(^|\s)#.*$/, '$1');
    const trimmed = withoutComment.trim();
    if (!trimmed) return;
    lines.texts.push(trimmed);
    lines.lineNumbers.push(i + 1);
    lines.columns.push(withoutComment.indexOf(trimmed) + 1);
  });
  return lines;
}

/** Loads `<dir>/<prefix>/<name>/{source.txt,packages.txt[,aptly.conf]}`, reporting every problem. */
export function loadSourceDirectory(dir: string, options: SourceLoadOptions = {}): MirrorSource[] {
  const problems: Problem[] = [];
  const sources: MirrorSource[] = [];
  if (!isDir(dir)) {
    throwIfProblems(`sources directory ${dir}`, [{ file: dir, message: 'not a directory: give the path of the seed sources directory (<dir>/<prefix>/<name>/source.txt)' }]);
  }
  const ids: string[] = [];
  const publications: Publication[] = [];
  for (const { name: prefix, isDirectory } of visible(dir)) {
    const prefixDir = path.join(dir, prefix);
    if (!isDirectory) {
      problems.push({ file: prefixDir, message: 'stray file: the sources directory holds only <prefix>/<name>/ directories' });
      continue;
    }
    const names = visible(prefixDir);
    if (names.length === 0) problems.push({ file: prefixDir, message: 'empty prefix directory: add a <name>/ directory with source.txt and packages.txt, or remove it' });
    for (const { name, isDirectory: isSourceDir } of names) {
      const sourceDir = path.join(prefixDir, name);
      if (!isSourceDir) {
        problems.push({ file: sourceDir, message: 'stray file: a prefix directory holds only <name>/ source directories' });
        continue;
      }
      ids.push(`${prefix}/${name}`);
      const source = loadOne(sourceDir, prefix, name, options, problems, publications);
      if (source) sources.push(source);
    }
  }
  if (ids.length === 0 && problems.length === 0) {
    problems.push({ file: dir, message: 'no sources found: expected <prefix>/<name>/source.txt and packages.txt below it' });
  }
  problems.push(...duplicatePublications(publications));
  problems.push(...checkOverrideKeys(options, ids, dir));
  throwIfProblems(`sources directory ${dir}`, problems);
  return sources;
}

function loadOne(
  sourceDir: string, prefix: string, name: string, options: SourceLoadOptions, problems: Problem[], publications: Publication[],
): MirrorSource | undefined {
  const before = problems.length;
  const sourceFile = path.join(sourceDir, 'source.txt');
  const packagesFile = path.join(sourceDir, 'packages.txt');
  const configFile = path.join(sourceDir, 'aptly.conf');

  const entries = visible(sourceDir);
  for (const entry of entries) {
    if (!SOURCE_FILES.has(entry.name)) {
      const stray = entry.isDirectory ? 'stray directory' : 'stray file';
      problems.push({ file: path.join(sourceDir, entry.name), message: `${stray}: a source directory holds only source.txt, packages.txt and aptly.conf` });
    }
  }

  // source.txt: exactly one line `url key_url dist component...` (`url key_url ./` when flat)
  let tokens: { text: string; column: number }[] = [];
  let sourceLine = 1;
  const sourceText = read(sourceFile, problems);
  if (sourceText !== undefined) {
    const lines = meaningfulLines(sourceText);
    if (lines.texts.length === 0) {
      problems.push({ file: sourceFile, line: 1, message: 'empty source.txt: write one line "url key_url dist component [component...]"' });
    } else {
      sourceLine = lines.lineNumbers[0];
      for (const extra of lines.lineNumbers.slice(1)) {
        problems.push({ file: sourceFile, line: extra, message: 'second non-empty line: source.txt holds one line; put another distribution in its own <prefix>/<name>/ directory' });
      }
      tokens = splitTokens(lines.texts[0], lines.columns[0]);
      if (tokens.length < minimumTokens(tokens)) {
        const missing = ['url', 'key_url', 'dist', 'component'].slice(tokens.length).join(', ');
        problems.push({ file: sourceFile, line: sourceLine, message: `missing ${missing}: expected "url key_url dist component [component...]", or "url key_url ./" for a flat repository` });
      }
    }
  }

  // packages.txt: one query per line; a tidy file of canonical queries is taken as it is
  let packageList: PackageList | undefined;
  const packageLines = (() => {
    const text = read(packagesFile, problems);
    if (text === undefined) return undefined;
    if (countCanonicalLines(text) !== undefined) {
      packageList = PackageList.fromCanonicalText(text);
      return undefined;
    }
    const lines = meaningfulLines(text);
    if (lines.texts.length === 0) problems.push({ file: packagesFile, line: 1, message: 'no package queries: list one package query per line, e.g. "nginx" or "libc6 (>= 2.36)"' });
    return lines;
  })();

  let aptlyConfig: AptlyConfig | undefined;
  let configText: string | undefined;
  if (entries.some(e => e.name === 'aptly.conf')) {
    configText = read(configFile, problems);
    if (configText !== undefined) {
      const parsed = parseAptlyConfigText(configText);
      if (parsed.error) problems.push({ file: configFile, line: parsed.error.line, message: parsed.error.message });
      else aptlyConfig = AptlyConfig.fromJson(parsed.json!, configFile);
    }
  }

  const id = `${prefix}/${name}`;
  const hasQueries = packageList !== undefined || (packageLines !== undefined && packageLines.texts.length > 0);
  const complete = tokens.length >= minimumTokens(tokens) && hasQueries;
  // Missing parts are already reported; the rest is still checked, so one run shows everything.
  const fields = applyOverrides({
    prefix,
    name,
    url: tokens[0]?.text,
    keyUrl: tokens[1]?.text,
    distribution: tokens[2]?.text,
    components: tokens.slice(3).map(t => t.text),
    packages: packageList ?? packageLines?.texts ?? [],
    keyFingerprints: [],
    architectures: [],
    aptlyConfig,
  } as SourceFields, options, id);
  if (tokens[2]) {
    // A flat repository is published under the source's name (the directory format has no other).
    const distribution = isFlatDistribution(tokens[2].text) ? name : tokens[2].text;
    publications.push({ id, prefix, distribution, at: { file: sourceFile, line: sourceLine, column: tokens[2].column } });
  }

  const locate = (p: FieldProblem): Problem => {
    switch (p.field) {
      case 'prefix': return { file: path.dirname(sourceDir), message: p.message };
      case 'name': return { file: sourceDir, message: p.message };
      case 'url': return { file: sourceFile, line: sourceLine, column: tokens[0].column, message: p.message };
      case 'keyUrl': return { file: sourceFile, line: sourceLine, column: tokens[1].column, message: p.message };
      case 'distribution': return { file: sourceFile, line: sourceLine, column: tokens[2].column, message: p.message };
      case 'components': {
        const token = tokens[3 + (p.index ?? 0)];
        return { file: sourceFile, line: sourceLine, column: token?.column, message: p.message };
      }
      case 'packages': {
        const i = p.index ?? 0;
        return { file: packagesFile, line: packageLines!.lineNumbers[i], column: packageLines!.columns[i] + (p.column ?? 1) - 1, message: p.message };
      }
      case 'aptlyConfig': return { file: configFile, line: configText ? lineOf(configText, '"gpgDisableVerify"') : 1, message: p.message };
      default: return { file: sourceDir, message: `overrides["${id}"].${p.field}: ${p.message}` };
    }
  };
  problems.push(...(complete ? checkSourceFields(fields) : checkPartialSourceFields(fields)).map(locate));
  if (!complete || problems.length > before) return undefined;
  return new MirrorSource(asProps(fields), sourceDir);
}

/** A flat repository's line has no components: `url key_url ./`. */
function minimumTokens(tokens: { text: string }[]): number {
  return tokens[2] && isFlatDistribution(tokens[2].text) ? 3 : 4;
}

function splitTokens(text: string, column: number): { text: string; column: number }[] {
  const out: { text: string; column: number }[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push({ text: m[0], column: column + m.index });
  return out;
}

function read(file: string, problems: Problem[]): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = path.basename(file);
    problems.push({
      file,
      message: code === 'ENOENT' ? `missing ${what}: every source directory needs source.txt and packages.txt` : `cannot read ${what}: ${code ?? String(e)}`,
    });
    return undefined;
  }
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
