import { cdk8s, javascript, JsonFile } from 'projen';
import { BundleLogLevel, RunBundleTask } from 'projen/lib/javascript';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-mini-mirror',
  description: 'Build, sign and serve an offline APT mirror for air-gapped Kubernetes clusters, as cdk8s constructs',
  author: 'cdk8s-mini-mirror developers',
  authorAddress: 'maintainers@mirror.example',
  repositoryUrl: 'https://github.example/cdk8s-mini-mirror.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'apt', 'aptly', 'debian', 'mirror', 'air-gapped', 'kubernetes'],
  projenrcTs: true,
  bin: { 'mini-mirror': 'lib/cli/main.js' },
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  jsiiVersion: '~6.0.0',

  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  bundledDeps: ['openpgp@^6.1.0', 'yaml@^2.5.0'],
  devDeps: ['cdk8s-cli@^2.200.0', 'kubernetes-models@^4.4.0', 'ts-node@^10.9.2', '@types/node@^20', 'madge@^8.0.0'],
  // The build runner's bundle (below); compile, test and synth:example run it themselves.
  bundlerOptions: { esbuildVersion: '^0.25.0', runBundleTask: RunBundleTask.MANUAL },

  // The repo is self-contained: no GitHub workflows, no release automation.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  docgen: true,
  sampleCode: false,

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'bench', 'examples', 'build-tools', 'scripts', 'projenrc', '.projenrc.ts'],
    // CI must fail on fixable problems too; fix locally with `npx projen eslint --fix`.
    commandOptions: { fix: false },
  },

  jestOptions: {
    // The test task must fail on snapshot drift; `npm run test:update` updates deliberately.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testTimeout: 300_000,
      // End-to-end tests run real aptly/nginx processes; keep them from fighting over 2 cores.
      maxWorkers: 2,
      // Content hashes are masked in snapshots; tests check that they change with their inputs.
      snapshotSerializers: ['<rootDir>/test/support/hash-serializer.ts'],
    },
  },
});

// Shell scripts and the nginx template are read at synth time from the installed package.
project.npmignore?.exclude('/examples/', '/bench/', '/.ci/', '/scripts/');
project.npmignore?.include('/assets/');

// The build runner (src/runner/) runs in the build Job under Debian's Node.js: bundled into one
// file that the build ConfigMap ships. Generated, never committed; every task that synthesizes
// or tests builds it first.
const runnerBundle = project.bundler.addBundle('src/runner/main.ts', {
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  logLevel: BundleLogLevel.WARNING,
  // Out of the bundler's assets/runner/main/ to assets/build-runner.js, where readRunner() reads it.
  outfile: '../../build-runner.js',
  watchTask: false,
  esbuildArgs: { '--legal-comments': 'none' },
});
// The name everyone uses (docs, README, other tasks); projen's is bundle:runner/main.
const bundleRunner = project.addTask('bundle:runner', {
  description: 'Bundle src/runner/ into assets/build-runner.js (the build Job runs it)',
});
bundleRunner.spawn(runnerBundle.bundleTask);
// In compile itself (not pre-compile): `npm run compile && npm pack` must ship it.
project.compileTask.prependSpawn(bundleRunner);
project.testTask.prependSpawn(bundleRunner);
project.tasks.tryFind('test:update')?.prependSpawn(bundleRunner);
// The bundler ignores its whole assets/ folder; here it also holds the shipped scripts and templates.
project.gitignore.removePatterns('/assets/');
project.gitignore.exclude('/assets/build-runner.js');

const synthExample = project.addTask('synth:example', {
  description: 'Synthesize the example app in examples/ to examples/dist/*.k8s.yaml',
  env: { CDK8S_CHECK_UPGRADE: 'false' },
});
synthExample.spawn(bundleRunner);
synthExample.exec('cdk8s synth', { cwd: 'examples' });

// The CLI from a checkout, without compiling: `npm run mini-mirror -- check examples/sources`.
// A plain script, not a projen task, so the CLI's own exit code (1 or 2) reaches the caller.
project.package.setScript('mini-mirror', 'ts-node --project test/tsconfig.json --transpile-only src/cli/main.ts');

// The seed's build vs the synthesized build Job on a generated, signed, slow local upstream.
const benchBuild = project.addTask('bench:build', {
  description: "The seed's build vs this project's build Job, side by side, on a generated slow upstream (prints figures; -- --quick, --scale, --sources K --packages P --latency MS --runs N)",
});
benchBuild.spawn(bundleRunner);
benchBuild.exec('ts-node --project test/tsconfig.json --transpile-only bench/build.ts', { receiveArgs: true });
const benchReal = project.addTask('bench:real', {
  description: "The seed's build vs ours against this machine's real Debian archive (its apt sources), and a large case (prints figures; -- --runs N, --no-large, --no-recommends)",
});
benchReal.spawn(bundleRunner);
benchReal.exec('ts-node --project test/tsconfig.json --transpile-only bench/real-archive.ts', { receiveArgs: true });
project.addTask('bench:serve', {
  description: 'Synthesized nginx config vs the seed config under wrk (prints figures)',
  exec: 'ts-node --project test/tsconfig.json --transpile-only bench/serve.ts',
});
// What copying build B into a registry that holds build A moves (layers per pool group).
const benchCarry = project.addTask('bench:carry', {
  description: 'Bytes carried into a registry for build B after build A, against B\'s new .debs (prints figures; -- --packages N --added K --min-kib A --max-kib B)',
});
benchCarry.spawn(bundleRunner);
benchCarry.exec('ts-node --project test/tsconfig.json --transpile-only bench/carry-in.ts', { receiveArgs: true });
project.addTask('bench:synth', {
  description: 'Synth time and memory at scale vs raw ApiObjects (prints figures; -- --quick for a short run)',
  steps: [{ exec: 'ts-node --project test/tsconfig.json --transpile-only bench/synth.ts', receiveArgs: true }],
});

const shellcheck = project.addTask('shellcheck', {
  description: 'Lint the shell scripts shipped in assets/ and the repo scripts',
  exec: 'shellcheck -x assets/*.sh scripts/*.sh .ci/run',
});
project.testTask.spawn(shellcheck);

// No import cycle between files or folders of src/ (scripts/check-cycles.ts, on madge's graph).
const checkCycles = project.addTask('check:cycles', {
  description: 'Fail on an import cycle between files or folders of src/ (madge; known ones listed in scripts/check-cycles.ts)',
  exec: 'ts-node --project test/tsconfig.json --transpile-only scripts/check-cycles.ts',
});
project.testTask.spawn(checkCycles);

// Type information for linting bench/, examples/ and scripts/ (type-checked like the tests, never emitted).
for (const dir of ['bench', 'examples', 'scripts']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts'], exclude: ['node_modules', 'dist'] },
  });
}

// The runner's size rule (CONTRIBUTING.md): no function over 40 lines or 4 parameters in src/runner/.
const checkSize = project.addTask('check:size', {
  description: 'Fail on a function in src/runner/ over 40 lines or with more than 4 parameters',
  exec: 'ts-node --project test/tsconfig.json --transpile-only scripts/check-function-size.ts',
});
project.testTask.spawn(checkSize);

// The tests, benches and scripts run transpile-only (ts-jest isolatedModules, ts-node): type-check
// them here, so a renamed export or a changed signature fails the build, not a later bench run.
const checkTypes = project.addTask('check:types', {
  description: 'Type-check the tests, benches, scripts and examples (they run transpile-only)',
});
for (const dir of ['test', 'bench', 'examples', 'scripts']) checkTypes.exec(`tsc --noEmit -p ${dir}/tsconfig.json`);
project.testTask.spawn(checkTypes);

project.gitignore.exclude('/examples/dist/', '/examples/node_modules/', '/.bench/');

// A developer's loop in seconds: everything but the end-to-end tests (real aptly, gpg, nginx, apt,
// registries), which `test:e2e` runs. `test` runs both, plus lint.
const E2E = '\\.e2e\\.test\\.ts$';
const unit = project.addTask('test:unit', {
  description: 'Unit, snapshot and schema tests only (no end-to-end test)',
  exec: `jest --ci --coverage=false --testPathIgnorePatterns '${E2E}'`,
  receiveArgs: true,
});
unit.prependSpawn(bundleRunner);
const e2e = project.addTask('test:e2e', {
  description: 'End-to-end tests only: the synthesized Job, the CLI and the image step run for real',
  exec: `jest --ci --coverage=false --testPathPatterns '${E2E}'`,
  receiveArgs: true,
});
e2e.prependSpawn(bundleRunner);

// After a build on a fresh clone (.ci/run), the tree must be as committed: a stale API.md,
// projen file or snapshot fails CI. (projen's build task itself is locked for changes.)
project.addTask('check:clean', {
  description: 'Fail when the build changed a tracked file or left an untracked one (API.md, projen files)',
  exec: "git diff --exit-code && git ls-files --others --exclude-standard | awk '{ print \"untracked: \" $0 } END { exit NR > 0 }'",
});

project.synth();
