import { runnerCanIndex } from '../../../src/runner/published/runner-publish';

test('GIVEN an aptly config THEN the runner writes the indexes unless it asks for Contents or source packages, which only aptly writes', () => {
  expect(runnerCanIndex({})).toBe(true);
  expect(runnerCanIndex({ skipContentsPublishing: true, downloadSourcePackages: false, skipBz2Publishing: false })).toBe(true);
  expect(runnerCanIndex({ skipContentsPublishing: false })).toBe(false);
  expect(runnerCanIndex({ downloadSourcePackages: true })).toBe(false);
});
