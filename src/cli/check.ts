import { parseArgs, wantsHelp } from './args';
import { InputProblems, messageOf, UsageError } from './errors';
import { withHints } from './hints';
import { loadSources } from './load-sources';
import { Output } from './output';
import { SOURCE_FLAGS, sourceFlagWarnings, sourceLoadOptions } from './source-flags';
import { CHECK_USAGE } from './usage';
import { sourceConfigMapProblem } from '../build-job/source-config-maps';
import { MirrorSource } from '../sources/mirror-source';
import { assignWorlds } from '../sources/worlds';
import { plural } from '../util/plural';

/** `mini-mirror check <dir|yaml>`: load the sources and list them, or print every problem. */
export function check(argv: string[], io: Output): number {
  if (wantsHelp(argv)) {
    io.out(CHECK_USAGE);
    return 0;
  }
  const args = parseArgs(argv, { repeatable: SOURCE_FLAGS });
  if (args.positional.length !== 1) throw new UsageError('check takes exactly one sources directory or YAML file');

  const problems: string[] = [];
  const options = sourceLoadOptions(args, problems);
  let sources: MirrorSource[] = [];
  try {
    sources = loadSources(args.positional[0], args.positional[0], options);
  } catch (e) {
    problems.push(messageOf(e));
  }
  // The limits synth applies to what it ships (a ConfigMap per source at most), so that a
  // source check passes is one synth accepts.
  for (const s of sources) {
    const problem = sourceConfigMapProblem(s);
    if (problem) problems.push(`${s.definedAt ?? s.id}: ${problem}`);
  }
  if (problems.length) throw new InputProblems(problems);

  let worlds: string[];
  try {
    worlds = assignWorlds(sources);
  } catch (e) {
    throw new InputProblems([withHints(e)]);
  }
  const counts = sources.map(s => s.packages.length);
  const queries = counts.reduce((a, b) => a + b, 0);
  io.out(`ok: ${plural(sources.length, 'source')}, ${plural(queries, 'package query', 'package queries')}`);
  sources.forEach((s, i) => {
    const components = s.flat ? `flat ${s.distribution}` : s.components.join(',');
    io.out(`  ${s.prefix}/dists/${s.publishDistribution}  ${components}  world ${worlds[i]}  ${plural(counts[i], 'query', 'queries')}  (${s.id})`);
  });
  for (const warning of sourceFlagWarnings(options)) io.err(warning);
  return 0;
}
