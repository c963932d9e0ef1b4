// Snapshots mask content hashes (Job and ConfigMap names, image tags, build identities): they
// change with every change of the bundled runner or a script, which the snapshot would only churn
// on. That they DO change with their inputs is tested explicitly (test/build-job/build-job.test.ts).
const HASH = /(?<![0-9a-f])[0-9a-f]{12,64}(?![0-9a-f])/g;

module.exports = {
  test: (value: unknown) => typeof value === 'string' && /[0-9a-f]{12}/.test(value) && value.replace(HASH, '') !== value,
  serialize: (value: string, config: unknown, indentation: string, depth: number, refs: unknown,
    printer: (v: unknown, c: unknown, i: string, d: number, r: unknown) => string) =>
    printer(value.replace(HASH, m => `<hash${m.length}>`), config, indentation, depth, refs),
};
