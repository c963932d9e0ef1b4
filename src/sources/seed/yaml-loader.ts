import * as fs from 'fs';
import { Document, isMap, isScalar, isSeq, LineCounter, Node, parseAllDocuments, YAMLMap } from 'yaml';
import { AptlyConfig } from '../aptly-config';
import { parseAptlyConfigText } from '../aptly-config-text';
import { SourceLoadOptions } from './load-options';
import { LoadedSource, loadSources, Reading, ReadSource } from './load-pipeline';
import { nearNames } from '../../util/near-names';
import { Problem, throwIfProblems } from '../problems';
import { FieldProblem } from '../source-checks';
import { UpstreamKey } from '../upstream-key';
import { isFlatDistribution } from '../validation';

const DOCUMENT_KEYS = new Set(['name', 'url', 'key_url', 'key', 'codename', 'label', 'world', 'aptly_config', 'components', 'subrepos', 'allow_downgrade', 'insecure_key_url']);
const SUBREPO_KEYS = new Set(['distribution', 'publish_distribution', 'packages', 'allow_downgrade', 'allow_distribution_mismatch']);
const PACKAGE_KEYS = new Set(['name', 'version']);

/**
 * Loads the seed's multi-document YAML: each document one upstream, each `subrepos[]` entry one
 * source (prefix = document `name`, source name = the subrepo's distribution). A flat repository
 * (`distribution: ./`, no `components`) is named and published by its `publish_distribution`
 * (or the document's `codename`). A document's `world` applies to all its subrepos.
 */
export function loadSourceYaml(file: string, options: SourceLoadOptions = {}): LoadedSource[] {
  return loadSources({
    what: file,
    where: file,
    noSources: 'no sources found: expected YAML documents with name, url, key_url, components and subrepos',
    read: reading => readYaml(file, reading),
  }, options);
}

/** Reads a sources YAML file, one subrepo at a time. */
function* readYaml(file: string, reading: Reading): Iterable<ReadSource> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throwIfProblems(file, [{ file, message: `cannot read sources file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
    return;
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const yaml = new YamlInput(file, lineCounter, reading.problems);
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const root = yaml.documentRoot(doc);
    const upstream = root && readUpstream(root, yaml);
    for (const sub of upstream ? subrepos(root!, yaml) : []) {
      if (isMap(sub)) yield readSubrepo(sub, upstream!, yaml, reading);
      else yaml.report(sub as Node, 'each subrepo must be a mapping with distribution and packages');
    }
  }
}

/** The YAML text being read: the problems found in it, each at its node's line and column. */
class YamlInput {
  public constructor(
    public readonly file: string,
    private readonly lineCounter: LineCounter,
    public readonly problems: Problem[],
  ) {}

  /** A problem at `node` (at the file when the node has no place). */
  public at(node: Node | null | undefined, message: string): Problem {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file: this.file, message };
    const pos = this.lineCounter.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col, message };
  }

  public report(node: Node | null | undefined, message: string): void {
    this.problems.push(this.at(node, message));
  }

  /** The document's mapping; undefined (with the problems reported) for anything else. */
  public documentRoot(doc: Document.Parsed | Document): YAMLMap | undefined {
    for (const err of doc.errors) {
      const pos = this.lineCounter.linePos(err.pos[0]);
      this.problems.push({ file: this.file, line: pos.line, column: pos.col, message: `invalid YAML: ${err.message.split('\n')[0]}` });
    }
    if (doc.errors.length) return undefined;
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) return undefined; // empty document (e.g. after a final `...`)
    if (!isMap(root)) {
      this.report(root as Node, 'each YAML document must be a mapping with name, url, key_url, components and subrepos');
      return undefined;
    }
    return root;
  }

  /** Reports each key of `map` that is not `allowed`. */
  public unknownKeys(map: YAMLMap, allowed: Set<string>, where: string): void {
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (allowed.has(key)) continue;
      const near = nearNames(key, allowed, 1);
      this.report(pair.key as Node, `unknown key "${key}"${where}: ${near.length ? `did you mean "${near[0]}"? ` : ''}expected ${[...allowed].join(', ')}`);
    }
  }

  /** The string at `key`: undefined (reported when required or not a string) when there is none. */
  public str(map: YAMLMap, key: string, required: boolean): string | undefined {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined || (isScalar(node) && node.value === null)) {
      if (required) this.report(map, `missing "${key}"`);
      return undefined;
    }
    if (!isScalar(node) || typeof node.value === 'object') {
      this.report(node, `"${key}" must be a string`);
      return undefined;
    }
    // A plain number keeps its text: `version: 1.10` means 1.10, not 1.1.
    return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
  }

  /** The boolean at `key`: undefined when absent, or (reported) when it is no true or false. */
  public bool(map: YAMLMap, key: string): boolean | undefined {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined || (isScalar(node) && node.value === null)) return undefined;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.report(node, `"${key}" must be true or false`);
    return undefined;
  }
}

/** What a document says about its upstream, for all its subrepos. */
interface Upstream {
  readonly root: YAMLMap;
  readonly name?: string;
  readonly url?: string;
  readonly keyUrl?: string;
  /** `key: |`: the armored key inline, instead of key_url */
  readonly key?: UpstreamKey;
  readonly codename?: string;
  readonly label?: string;
  readonly world?: string;
  readonly components: string[];
  /** whether `components` could be read (empty or omitted: a flat repository) */
  readonly componentsRead: boolean;
  readonly aptlyConfig?: AptlyConfig;
  /** `allow_downgrade` of the document: every subrepo's default. */
  readonly allowDowngrade?: boolean;
  /** `insecure_key_url: true`: an unpinned http:// key_url is accepted */
  readonly insecureKeyUrl?: boolean;
}

/** `key_url`, or the armored key inline as `key` (checked here, so the problem has its line). */
function readKey(root: YAMLMap, yaml: YamlInput): { keyUrl?: string; key?: UpstreamKey } {
  const text = yaml.str(root, 'key', false);
  const keyUrl = yaml.str(root, 'key_url', text === undefined);
  if (text === undefined) return { keyUrl };
  const node = root.get('key', true) as Node;
  if (keyUrl !== undefined) {
    yaml.report(node, 'both "key" and "key_url" are given: keep one (the armored key inline, or the URL the build downloads it from)');
    return { keyUrl };
  }
  try {
    return { key: UpstreamKey.fromArmored(text) };
  } catch (e) {
    yaml.report(node, `"key": ${(e as Error).message}`);
    return {};
  }
}

function readUpstream(root: YAMLMap, yaml: YamlInput): Upstream {
  yaml.unknownKeys(root, DOCUMENT_KEYS, '');
  const name = yaml.str(root, 'name', true);
  const fields = {
    root,
    name,
    url: yaml.str(root, 'url', true),
    ...readKey(root, yaml),
    codename: yaml.str(root, 'codename', false),
    label: yaml.str(root, 'label', false),
    world: yaml.str(root, 'world', false),
    allowDowngrade: yaml.bool(root, 'allow_downgrade'),
    insecureKeyUrl: yaml.bool(root, 'insecure_key_url'),
  };
  return { ...fields, ...readComponents(root, yaml), aptlyConfig: readAptlyConfig(root, name, yaml) };
}

/** Omitted or empty only for flat repositories: the source checks say so for the others. */
function readComponents(root: YAMLMap, yaml: YamlInput): { components: string[]; componentsRead: boolean } {
  const node = root.get('components', true) as Node | undefined;
  const components: string[] = [];
  if (node === undefined || (isScalar(node) && node.value === null)) return { components, componentsRead: true };
  if (!isSeq(node)) {
    yaml.report(node, '"components" must be a list, e.g. [main] (empty or omitted for a flat repository)');
    return { components, componentsRead: false };
  }
  for (const c of node.items) {
    if (isScalar(c) && typeof c.value === 'string') components.push(c.value);
    else yaml.report(c as Node, 'each component must be a string');
  }
  return { components, componentsRead: components.length === node.items.length };
}

/** `aptly_config`: a JSON string or a mapping. */
function readAptlyConfig(root: YAMLMap, name: string | undefined, yaml: YamlInput): AptlyConfig | undefined {
  const node = root.get('aptly_config', true) as Node | undefined;
  if (node === undefined) return undefined;
  const text = isScalar(node) && typeof node.value === 'string'
    ? node.value
    : isMap(node) ? JSON.stringify(node.toJSON()) : undefined;
  if (text === undefined) {
    yaml.report(node, '"aptly_config" must be a JSON string or a mapping');
    return undefined;
  }
  const parsed = parseAptlyConfigText(text);
  if (parsed.error) {
    const base = yaml.at(node, '');
    // A block scalar starts on the line after its indicator.
    const line = (base.line ?? 1) + (isScalar(node) && node.type?.startsWith('BLOCK') ? parsed.error.line : 0);
    yaml.problems.push({ file: yaml.file, line, message: `aptly_config: ${parsed.error.message}` });
    return undefined;
  }
  return AptlyConfig.fromJson(parsed.json!, `${yaml.file} (${name ?? 'document'} aptly_config)`);
}

/** The document's subrepos (none, with the problem reported, when they are not a non-empty list). */
function subrepos(root: YAMLMap, yaml: YamlInput): unknown[] {
  const node = root.get('subrepos', true) as Node | undefined;
  if (!isSeq(node) || node.items.length === 0) {
    yaml.report(node ?? root, '"subrepos" must be a non-empty list of {distribution, packages}');
    return [];
  }
  return node.items;
}

/** A package query and the `{name, version?}` mapping it was written as. */
interface PackageEntry {
  readonly query: string;
  readonly node: Node;
}

/** `packages`: `{name, version?}` mappings, each one query. */
function readPackages(sub: YAMLMap, yaml: YamlInput): PackageEntry[] {
  const node = sub.get('packages', true) as Node | undefined;
  if (!isSeq(node) || node.items.length === 0) {
    yaml.report(node ?? sub, '"packages" must be a non-empty list of {name, version?}');
    return [];
  }
  const packages: PackageEntry[] = [];
  for (const p of node.items) {
    if (!isMap(p)) {
      yaml.report(p as Node, 'each package must be a mapping {name, version?}');
      continue;
    }
    yaml.unknownKeys(p, PACKAGE_KEYS, ' in package');
    const pkg = yaml.str(p, 'name', true);
    const version = yaml.str(p, 'version', false);
    // The version goes into a query: characters of the query syntax would get advice about
    // quoting, which means nothing in YAML.
    if (version !== undefined && /[\s(){}|,!'"]/.test(version)) {
      yaml.report(p.get('version', true) as Node, `version "${version}" is not a Debian version: it cannot contain spaces or ( ) { } | , ! ' "`);
      continue;
    }
    if (pkg !== undefined) packages.push({ query: version === undefined ? pkg : `${pkg} (= ${version})`, node: p });
  }
  return packages;
}

/** How a subrepo is named: the source is named after what it publishes. */
interface SubrepoName {
  readonly flat: boolean;
  /** the key the name was written under */
  readonly nameKey: 'distribution' | 'publish_distribution' | 'codename';
  readonly sourceName?: string;
}

function nameOf(distribution: string | undefined, publishDistribution: string | undefined, codename: string | undefined): SubrepoName {
  const flat = distribution !== undefined && isFlatDistribution(distribution);
  if (!flat) return { flat, nameKey: 'distribution', sourceName: distribution };
  const nameKey = publishDistribution !== undefined || codename === undefined ? 'publish_distribution' : 'codename';
  return { flat, nameKey, sourceName: publishDistribution ?? codename };
}

/** One subrepo: a source of the document's upstream. */
function readSubrepo(sub: YAMLMap, upstream: Upstream, yaml: YamlInput, reading: Reading): ReadSource {
  yaml.unknownKeys(sub, SUBREPO_KEYS, ' in subrepo');
  const distribution = yaml.str(sub, 'distribution', true);
  const publishDistribution = yaml.str(sub, 'publish_distribution', false);
  const naming = nameOf(distribution, publishDistribution, upstream.codename);
  const { flat, sourceName } = naming;
  if (flat && sourceName === undefined) {
    yaml.report(sub.get('distribution', true) as Node,
      `flat repository "${distribution}" has no distribution name to be published under: add publish_distribution (e.g. publish_distribution: stable)`);
  }
  const packages = readPackages(sub, yaml);
  const { name, codename } = upstream;
  const id = `${name ?? '?'}/${sourceName ?? '?'}`;
  if (name !== undefined && sourceName !== undefined) {
    reading.ids.push(id);
    reading.publications.push({ id, prefix: name, distribution: sourceName, at: yaml.at(sub.get('distribution', true) as Node, '') });
  }
  if (codename !== undefined && sourceName !== undefined && codename !== sourceName) {
    const published = flat ? `publish_distribution "${sourceName}"` : `distribution "${sourceName}"`;
    yaml.report(upstream.root.get('codename', true) as Node, `codename "${codename}" differs from ${published}: aptly 1.5 always publishes Codename = distribution; remove codename`);
  }
  return {
    id,
    definedAt: `${yaml.file} (${id})`,
    complete: name !== undefined && upstream.url !== undefined
      && (upstream.keyUrl !== undefined || upstream.key !== undefined) && sourceName !== undefined
      && upstream.componentsRead && packages.length > 0,
    // Empty components are no loader problem here (a flat repository has none): the checks say,
    // unless the list could not be read.
    reportedEmpty: upstream.componentsRead ? ['packages'] : ['components', 'packages'],
    fields: {
      prefix: name,
      name: sourceName,
      url: upstream.url,
      keyUrl: upstream.keyUrl,
      key: upstream.key,
      distribution,
      components: upstream.components,
      publishDistribution: flat ? sourceName : publishDistribution,
      packages: packages.map(p => p.query),
      keyFingerprints: [],
      architectures: [],
      aptlyConfig: upstream.aptlyConfig,
      label: upstream.label,
      world: upstream.world,
      allowDowngrade: yaml.bool(sub, 'allow_downgrade') ?? upstream.allowDowngrade,
      insecureKeyUrl: upstream.insecureKeyUrl,
      allowDistributionMismatch: yaml.bool(sub, 'allow_distribution_mismatch'),
    },
    locate: (p, all) => locateInYaml(p, all, { sub, upstream, naming, packages, yaml }),
  };
}

/** What a subrepo's problems are located with. */
interface SubrepoNodes {
  readonly sub: YAMLMap;
  readonly upstream: Upstream;
  readonly naming: SubrepoName;
  readonly packages: PackageEntry[];
  readonly yaml: YamlInput;
}

const DOCUMENT_KEY: { readonly [field: string]: string } = {
  prefix: 'name', url: 'url', keyUrl: 'key_url', key: 'key', label: 'label', world: 'world', aptlyConfig: 'aptly_config', components: 'components',
};

/** The problem at the node the field was written as; a name problem also found with the distribution is left out. */
function locateInYaml(p: FieldProblem, all: readonly FieldProblem[], at: SubrepoNodes): Problem | undefined {
  const { flat, nameKey, sourceName } = at.naming;
  // The source is named after its (published) distribution: a problem with both is reported once, as the distribution's.
  const nameField = flat ? 'publishDistribution' : 'distribution';
  if (p.field === 'name' && all.some(f => f.field === nameField)) return undefined;
  const message = p.field === 'name' ? `${nameKey} "${sourceName}" names the source too: ${p.message}` : p.message;
  return at.yaml.at(nodeOf(p, at), message);
}

function nodeOf(p: FieldProblem, { sub, upstream, naming, packages }: SubrepoNodes): Node {
  const root = upstream.root;
  if (p.field === 'packages') return packages[p.index ?? 0].node;
  if (p.field === 'distribution') return sub.get('distribution', true) as Node;
  if (p.field === 'publishDistribution' || (p.field === 'name' && naming.flat)) {
    return (naming.nameKey === 'codename' ? root.get('codename', true) : sub.get('publish_distribution', true)) as Node;
  }
  if (p.field === 'name') return sub.get('distribution', true) as Node;
  const key = DOCUMENT_KEY[p.field];
  return (key ? root.get(key, true) as Node : undefined) ?? root;
}
