import * as fs from 'fs';
import { withHints } from './hints';
import { MirrorSource } from '../sources/mirror-source';
import { SourceLoadOptions } from '../sources/seed/load-options';

/**
 * Loads a sources directory or YAML file. `label` names the input in messages (`--sources dir`
 * or just the path). Throws one message listing every problem, with command-line hints.
 */
export function loadSources(label: string, target: string, options: SourceLoadOptions): MirrorSource[] {
  if (!fs.existsSync(target)) throw new Error(`${label} does not exist: give a sources directory or a sources YAML file`);
  try {
    return fs.statSync(target).isDirectory() ? MirrorSource.fromDirectory(target, options) : MirrorSource.fromYamlFile(target, options);
  } catch (e) {
    throw new Error(withHints(e));
  }
}
