/** Builders and the scratch root shared by the pod runner's own tests. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { IJob } from 'kubernetes-models/batch/v1/Job';
import { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { IContainer } from 'kubernetes-models/v1/Container';
import { IPodSpec } from 'kubernetes-models/v1/PodSpec';

// Mount points missing on the host are created there by bwrap (as empty directories). Every test
// mounts below ROOT (one per test file), and `afterAll(expectOnlyEmptyDirsUnderRoot)` checks that
// nothing but empty directories was left there, and removes them.
export const ROOT = `/pod-runner-test-${crypto.randomBytes(4).toString('hex')}`;
export const IMAGE = 'debian:bookworm-slim';

function removeEmptyDirTree(dir: string): string[] {
  const leftovers: string[] = [];
  if (!fs.existsSync(dir)) return leftovers;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) leftovers.push(...removeEmptyDirTree(p));
    else leftovers.push(p);
  }
  if (leftovers.length === 0) fs.rmdirSync(dir);
  return leftovers;
}

export function expectOnlyEmptyDirsUnderRoot(): void {
  expect(removeEmptyDirTree(ROOT)).toEqual([]);
}

export function configMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>): IConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, ...(binaryData ? { binaryData } : {}) };
}

export function container(name: string, script: string, extra: Partial<IContainer> = {}): IContainer {
  return { name, image: IMAGE, command: ['sh', '-c', script], ...extra };
}

export function job(name: string, podSpec: IPodSpec): IJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { template: { metadata: { labels: { app: name } }, spec: { restartPolicy: 'Never', ...podSpec } } },
  };
}

/** the pod spec of a Job made by {@link job} (for tests that alter a copy) */
export function podSpecOf(j: IJob): IPodSpec {
  return j.spec!.template.spec!;
}

export function lines(s: string): string[] {
  return s.split('\n').filter(l => l !== '');
}
