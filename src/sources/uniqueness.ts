import { formatProblem, Problem } from './problems';

/** A source as far as uniqueness goes, with where its published distribution was written. */
export interface Publication {
  readonly id: string;
  readonly prefix: string;
  /** the distribution it is published under (a flat repository's publish distribution) */
  readonly distribution: string;
  /** where to point the problem (file, line, column of the distribution) */
  readonly at: Omit<Problem, 'message'>;
}

/**
 * Problems for sources that would publish the same `<prefix>/dists/<publish distribution>` or share a
 * `<prefix>/<name>`. Loaders call it with everything they could read, also when other fields
 * are wrong, so one run shows every problem.
 */
export function duplicatePublications(publications: readonly Publication[]): Problem[] {
  const problems: Problem[] = [];
  const byDist = new Map<string, Publication>();
  const byId = new Map<string, Publication>();
  for (const p of publications) {
    const distKey = `${p.prefix}/dists/${p.distribution}`;
    const other = byDist.get(distKey);
    if (other) {
      const where = other.at.file ? ` (${formatProblem({ ...other.at, message: '' }).replace(/: $/, '')})` : '';
      problems.push({
        ...p.at,
        message: other.id === p.id
          ? `source ${p.id} is defined twice${where.replace(' (', ' (first at ')}: remove one`
          : `source ${p.id} publishes ${distKey}, like ${other.id}${where}: give one of them another prefix`,
      });
    } else {
      byDist.set(distKey, p);
    }
    const twin = byId.get(p.id);
    if (twin && twin !== other) problems.push({ ...p.at, message: `two sources are named ${p.id}: rename one` });
    byId.set(p.id, p);
  }
  return problems;
}
