/** The README's air-gap section, as the tests read it: its shell commands and what they name of the outside world. */

/** The registry hosts the README's air-gap commands name. */
export const AIRGAP_HOSTS = ['registry.airgap.example', 'registry.example.com'];

/** The example upstream key fingerprint the README's commands pin. */
export const README_FINGERPRINT = '7A3C1F2E9B8D4C5A6E7F8091A2B3C4D5E6F70819';

/** The ```sh blocks of the "## The air gap" section, joined, without their indentation. */
export function airGapCommands(readme: string): string {
  const start = readme.indexOf('\n## The air gap');
  if (start < 0) throw new Error('README.md has no "## The air gap" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].map(m => m[2].split('\n').map(l => l.slice(m[1].length)).join('\n'));
  if (!blocks.length) throw new Error('the air-gap section of README.md has no ```sh block');
  return blocks.join('\n');
}
