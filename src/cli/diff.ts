import { parseArgs, wantsHelp } from './args';
import { UsageError } from './errors';
import { diffManifests, formatDiff, loadPair } from './manifest-diff';
import { Output } from './output';
import { DIFF_USAGE } from './usage';
import { plural } from '../util/plural';

/** Exit code of `diff --fail-on-downgrade` when the new build went back in time (see its usage). */
export const DOWNGRADE_EXIT = 3;

/** `mini-mirror diff OLD.json NEW.json [--json] [--fail-on-downgrade]`: packages added, removed and changed between two builds. */
export function diff(argv: string[], io: Output): number {
  if (wantsHelp(argv)) {
    io.out(DIFF_USAGE);
    return 0;
  }
  const args = parseArgs(argv, { switches: ['json', 'fail-on-downgrade'] });
  if (args.positional.length !== 2) throw new UsageError('diff takes exactly two manifest.json files: the old build\'s and the new one\'s');
  const [oldM, newM] = loadPair(args.positional[0], args.positional[1]);
  const d = diffManifests(oldM, newM);
  if (args.options.has('json')) {
    io.out(JSON.stringify({
      old: { buildIdentity: oldM.buildIdentity ?? oldM.contentHash ?? null, refreshEpoch: oldM.refreshEpoch ?? null, builtAt: oldM.builtAt ?? null },
      new: { buildIdentity: newM.buildIdentity ?? newM.contentHash ?? null, refreshEpoch: newM.refreshEpoch ?? null, builtAt: newM.builtAt ?? null },
      ...d,
    }, null, 2));
  } else {
    for (const line of formatDiff(oldM, newM, d)) io.out(line);
  }
  const wentBack = d.downgraded.length + d.olderReleases.length > 0;
  if (wentBack && args.options.has('fail-on-downgrade')) {
    io.err(`the new build went back in time: ${plural(d.downgraded.length, 'package downgrade')}, ${plural(d.olderReleases.length, 'older upstream Release')} (--fail-on-downgrade)`);
    return DOWNGRADE_EXIT;
  }
  return 0;
}
