import * as fs from 'fs';
import { isMap, isScalar, isSeq, LineCounter, Node, parseAllDocuments, YAMLMap } from 'yaml';
import { AptlyConfig } from './aptly-config';
import { parseAptlyConfigText } from './aptly-config-text';
import { SourceLoadOptions } from './load-options';
import { MirrorSource } from './mirror-source';
import { applyOverrides, checkOverrideKeys } from './overrides';
import { Problem, throwIfProblems } from './problems';
import { asProps, checkPartialSourceFields, checkSourceFields, FieldProblem, SourceFields } from './source-checks';
import { duplicatePublications, Publication } from './uniqueness';
import { isFlatDistribution } from './validation';

const DOCUMENT_KEYS = new Set(['name', 'url', 'key_url', 'codename', 'label', 'world', 'aptly_config', 'components', 'subrepos']);
const SUBREPO_KEYS = new Set(['distribution', 'publish_distribution', 'packages']);
const PACKAGE_KEYS = new Set(['name', 'version']);

/**
 * Loads the seed's multi-document YAML: each document one upstream, each `subrepos[]` entry one
 * source (prefix = document `name`, source name = the subrepo's distribution). A flat repository
 * (`distribution: ./`, no `components`) is named and published by its `publish_distribution`
 * (or the document's `codename`). A document's `world` applies to all its subrepos.
 */
export function loadSourceYaml(file: string, options: SourceLoadOptions = {}): MirrorSource[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throwIfProblems(file, [{ file, message: `cannot read sources file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
    return [];
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const problems: Problem[] = [];
  const at = (node: Node | null | undefined, message: string): Problem => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file, message };
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col, message };
  };
  const sources: MirrorSource[] = [];
  const ids: string[] = [];
  const publications: Publication[] = [];

  const docList = Array.isArray(docs) ? docs : [docs];
  for (const doc of docList) {
    for (const err of doc.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      problems.push({ file, line: pos.line, column: pos.col, message: `invalid YAML: ${err.message.split('\n')[0]}` });
    }
    if (doc.errors.length) continue;
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === null)) continue; // empty document (e.g. after a final `...`)
    if (!isMap(root)) {
      problems.push(at(root as Node, 'each YAML document must be a mapping with name, url, key_url, components and subrepos'));
      continue;
    }
    const unknownKeys = (map: YAMLMap, allowed: Set<string>, where: string) => {
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (!allowed.has(key)) problems.push(at(pair.key as Node, `unknown key "${key}"${where}: expected ${[...allowed].join(', ')}`));
      }
    };
    unknownKeys(root, DOCUMENT_KEYS, '');
    const str = (map: YAMLMap, key: string, required: boolean): string | undefined => {
      const node = map.get(key, true) as Node | undefined;
      if (node === undefined || (isScalar(node) && node.value === null)) {
        if (required) problems.push(at(map, `missing "${key}"`));
        return undefined;
      }
      if (!isScalar(node) || typeof node.value === 'object') {
        problems.push(at(node, `"${key}" must be a string`));
        return undefined;
      }
      // A plain number keeps its text: `version: 1.10` means 1.10, not 1.1.
      return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
    };
    const name = str(root, 'name', true);
    const url = str(root, 'url', true);
    const keyUrl = str(root, 'key_url', true);
    const codename = str(root, 'codename', false);
    const label = str(root, 'label', false);
    const world = str(root, 'world', false);

    // Omitted or empty only for flat repositories: the source checks say so for the others.
    const componentsNode = root.get('components', true) as Node | undefined;
    const components: string[] = [];
    let componentsRead = true;
    if (componentsNode !== undefined && !(isScalar(componentsNode) && componentsNode.value === null)) {
      if (!isSeq(componentsNode)) {
        problems.push(at(componentsNode, '"components" must be a list, e.g. [main] (empty or omitted for a flat repository)'));
        componentsRead = false;
      } else {
        for (const c of componentsNode.items) {
          if (isScalar(c) && typeof c.value === 'string') components.push(c.value);
          else problems.push(at(c as Node, 'each component must be a string'));
        }
        componentsRead = components.length === componentsNode.items.length;
      }
    }

    let aptlyConfig: AptlyConfig | undefined;
    const configNode = root.get('aptly_config', true) as Node | undefined;
    if (configNode !== undefined) {
      const configText = isScalar(configNode) && typeof configNode.value === 'string'
        ? configNode.value
        : isMap(configNode) ? JSON.stringify(configNode.toJSON()) : undefined;
      if (configText === undefined) {
        problems.push(at(configNode, '"aptly_config" must be a JSON string or a mapping'));
      } else {
        const parsed = parseAptlyConfigText(configText);
        if (parsed.error) {
          const base = at(configNode, '');
          // A block scalar starts on the line after its indicator.
          const line = (base.line ?? 1) + (isScalar(configNode) && configNode.type?.startsWith('BLOCK') ? parsed.error.line : 0);
          problems.push({ file, line, message: `aptly_config: ${parsed.error.message}` });
        } else {
          aptlyConfig = AptlyConfig.fromJson(parsed.json!, `${file} (${name ?? 'document'} aptly_config)`);
        }
      }
    }

    const subreposNode = root.get('subrepos', true) as Node | undefined;
    if (!isSeq(subreposNode) || subreposNode.items.length === 0) {
      problems.push(at(subreposNode ?? root, '"subrepos" must be a non-empty list of {distribution, packages}'));
      continue;
    }
    for (const sub of subreposNode.items) {
      if (!isMap(sub)) {
        problems.push(at(sub as Node, 'each subrepo must be a mapping with distribution and packages'));
        continue;
      }
      unknownKeys(sub, SUBREPO_KEYS, ' in subrepo');
      const distribution = str(sub, 'distribution', true);
      const publishDistribution = str(sub, 'publish_distribution', false);
      const flat = distribution !== undefined && isFlatDistribution(distribution);
      // The source is named after what it publishes: the distribution, or a flat repository's name.
      const nameKey = !flat ? 'distribution' : publishDistribution !== undefined || codename === undefined ? 'publish_distribution' : 'codename';
      const sourceName = !flat ? distribution : publishDistribution ?? codename;
      if (flat && sourceName === undefined) {
        problems.push(at(sub.get('distribution', true) as Node,
          `flat repository "${distribution}" has no distribution name to be published under: add publish_distribution (e.g. publish_distribution: stable)`));
      }
      const packagesNode = sub.get('packages', true) as Node | undefined;
      const packages: { query: string; node: Node }[] = [];
      if (!isSeq(packagesNode) || packagesNode.items.length === 0) {
        problems.push(at(packagesNode ?? sub, '"packages" must be a non-empty list of {name, version?}'));
      } else {
        for (const p of packagesNode.items) {
          if (!isMap(p)) {
            problems.push(at(p as Node, 'each package must be a mapping {name, version?}'));
            continue;
          }
          unknownKeys(p, PACKAGE_KEYS, ' in package');
          const pkg = str(p, 'name', true);
          const version = str(p, 'version', false);
          // The version goes into a query: characters of the query syntax would get advice about
          // quoting, which means nothing in YAML.
          if (version !== undefined && /[\s(){}|,!'"]/.test(version)) {
            problems.push(at(p.get('version', true) as Node, `version "${version}" is not a Debian version: it cannot contain spaces or ( ) { } | , ! ' "`));
            continue;
          }
          if (pkg !== undefined) packages.push({ query: version === undefined ? pkg : `${pkg} (= ${version})`, node: p });
        }
      }
      const complete = name !== undefined && url !== undefined && keyUrl !== undefined && sourceName !== undefined
        && componentsRead && packages.length > 0;
      const id = `${name ?? '?'}/${sourceName ?? '?'}`;
      if (name !== undefined && sourceName !== undefined) {
        ids.push(id);
        const node = sub.get('distribution', true) as Node;
        publications.push({ id, prefix: name, distribution: sourceName, at: at(node, '') });
      }
      if (codename !== undefined && sourceName !== undefined && codename !== sourceName) {
        const published = flat ? `publish_distribution "${sourceName}"` : `distribution "${sourceName}"`;
        problems.push(at(root.get('codename', true) as Node, `codename "${codename}" differs from ${published}: aptly 1.5 always publishes Codename = distribution; remove codename`));
      }
      // Missing parts are already reported; the rest is still checked, so one run shows everything.
      const fields = applyOverrides({
        prefix: name,
        name: sourceName,
        url,
        keyUrl,
        distribution,
        components,
        publishDistribution: flat ? sourceName : publishDistribution,
        packages: packages.map(p => p.query),
        keyFingerprints: [],
        architectures: [],
        aptlyConfig,
        label,
        world,
      } as SourceFields, options, id);
      const nodeFor = (p: FieldProblem): Node => {
        const key = ({ prefix: 'name', url: 'url', keyUrl: 'key_url', label: 'label', world: 'world', aptlyConfig: 'aptly_config', components: 'components' } as Record<string, string>)[p.field];
        if (p.field === 'packages') return packages[p.index ?? 0].node;
        if (p.field === 'distribution') return sub.get('distribution', true) as Node;
        if (p.field === 'publishDistribution' || (p.field === 'name' && flat)) {
          return (nameKey === 'codename' ? root.get('codename', true) : sub.get('publish_distribution', true)) as Node;
        }
        if (p.field === 'name') return sub.get('distribution', true) as Node;
        return (key ? root.get(key, true) as Node : undefined) ?? root;
      };
      // Empty components are no loader problem here (a flat repository has none): the checks say,
      // unless the list could not be read.
      const found = complete ? checkSourceFields(fields) : checkPartialSourceFields(fields, componentsRead ? ['packages'] : ['components', 'packages']);
      // The source is named after its (published) distribution: a problem with both is reported once, as the distribution's.
      const nameField = flat ? 'publishDistribution' : 'distribution';
      const distributionProblem = found.some(f => f.field === nameField);
      for (const p of found.filter(f => f.field !== 'name' || !distributionProblem)) {
        const overridden = (options.overrides?.[id] as Record<string, unknown> | undefined)?.[p.field] !== undefined;
        const message = p.field === 'name' ? `${nameKey} "${sourceName}" names the source too: ${p.message}` : p.message;
        problems.push(at(nodeFor(p), overridden ? `overrides["${id}"].${p.field}: ${message}` : message));
      }
      if (complete && found.length === 0) sources.push(new MirrorSource(asProps(fields), `${file} (${id})`));
    }
  }
  if (ids.length === 0 && problems.length === 0) problems.push({ file, message: 'no sources found: expected YAML documents with name, url, key_url, components and subrepos' });
  problems.push(...duplicatePublications(publications));
  problems.push(...checkOverrideKeys(options, ids, file));
  throwIfProblems(file, problems);
  return sources;
}
