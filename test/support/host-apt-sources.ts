// The machine's own apt sources, read at run time: the real-archive test mirrors from whatever
// Debian archive this machine is configured with, so no host name is ever written into the repo.
import * as fs from 'fs';
import * as path from 'path';

export interface HostAptSource {
  readonly uri: string;
  readonly suites: string[];
  readonly components: string[];
}

export function hostAptSources(etc = '/etc/apt'): HostAptSource[] {
  const result: HostAptSource[] = [];
  const files: string[] = [];
  if (fs.existsSync(path.join(etc, 'sources.list'))) files.push(path.join(etc, 'sources.list'));
  const dir = path.join(etc, 'sources.list.d');
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir).sort()) files.push(path.join(dir, f));
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const block of text.split(/\n\s*\n/)) {
        const get = (k: string) => (new RegExp(`^${k}:\\s*(.*)$`, 'mi').exec(block)?.[1] ?? '').split(/\s+/).filter(Boolean);
        if (!get('Types').includes('deb') || /^Enabled:\s*no/mi.test(block)) continue;
        for (const uri of get('URIs')) result.push({ uri: uri.replace(/\/$/, ''), suites: get('Suites'), components: get('Components') });
      }
    } else if (file.endsWith('.list')) {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line.trim());
        if (m) result.push({ uri: m[1].replace(/\/$/, ''), suites: [m[2]], components: m[3].split(/\s+/) });
      }
    }
  }
  return result;
}

/** The archive URI serving `suite` (with component main), if the machine has one. */
export function uriForSuite(suite: string, sources = hostAptSources()): string | undefined {
  return sources.find(s => s.suites.includes(suite) && s.components.includes('main') && /^https?:\/\//.test(s.uri))?.uri;
}
