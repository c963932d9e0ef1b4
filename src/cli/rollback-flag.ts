// `synth --rollback-to docker://REGISTRY/REPOSITORY:TAG`: the build Job rolls back to that image
// (BuildOptions.rollbackTo). With --prebuilt the rollback was built on a host by `mini-mirror build`
// with the same flag, so synth accepts it and ignores it: one set of options for both commands.
import { ParsedArgs } from './args';
import { messageOf } from './errors';
import { RollbackTarget } from '../build-job/rollback-target';

/** The build Job's rollback target from `--rollback-to`, or undefined; problems are added, not thrown. */
export function rollbackFromFlag(args: ParsedArgs, problems: string[]): RollbackTarget | undefined {
  const value = args.options.get('rollback-to') as string | undefined;
  if (value === undefined || args.options.has('prebuilt')) return undefined;
  if (!value.startsWith('docker://')) {
    problems.push(`--rollback-to ${value}: the build Job fetches the earlier build's image from the registry: give docker://REGISTRY/REPOSITORY:TAG (the tag its build pushed), or roll back on a host with mini-mirror build --rollback-to ${value} and synth --prebuilt`);
    return undefined;
  }
  try {
    return RollbackTarget.image(value.slice('docker://'.length));
  } catch (e) {
    problems.push(`--rollback-to: ${messageOf(e)}`);
    return undefined;
  }
}
