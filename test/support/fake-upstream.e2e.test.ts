import { AptClient } from './apt-client';
import { FakeUpstream } from './fake-upstream';
import { runCommand } from './run-build';

describe('FakeUpstream (backward compatible, on the shared file server)', () => {
  test('apt-get update works; impostor key and stall behave', async () => {
    const upstream = await FakeUpstream.start({ stall: { path: /chain-a_/, firstRequests: 1 } });
    try {
      expect(upstream.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/debian$/);
      expect(upstream.keyUrl).toBe(upstream.url.replace(/\/debian$/, '/key.asc'));
      const key = await runCommand('curl', ['-sSf', '--noproxy', '*', upstream.keyUrl]);
      expect(key.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      const client = await AptClient.create([{ uri: upstream.url, suite: 'bookworm', components: ['main'], signedBy: key.stdout }]);
      try {
        await client.update();
        expect(await client.versions('multi')).toEqual(['3.0', '2.0', '1.0']);
      } finally {
        await client.dispose();
      }
      const pkg = `${upstream.url}/pool/main/c/chain-a/chain-a_1.0_all.deb`;
      const stalled = await runCommand('curl', ['-sS', '--noproxy', '*', '--max-time', '2', '-o', '/dev/null', pkg]);
      expect(stalled.exitCode).toBe(28);
      const ok = await runCommand('curl', ['-sSf', '--noproxy', '*', '--max-time', '5', '-o', '/dev/null', pkg]);
      expect(ok.exitCode).toBe(0);
      expect(upstream.stalled).toEqual(['/debian/pool/main/c/chain-a/chain-a_1.0_all.deb']);
      expect(upstream.maxInFlight).toBeGreaterThanOrEqual(1);
    } finally {
      await upstream.stop();
    }
    const impostor = await FakeUpstream.start({ keyOverride: 'impostor' });
    try {
      const key = await runCommand('curl', ['-sSf', '--noproxy', '*', impostor.keyUrl]);
      const client = await AptClient.create([{ uri: impostor.url, suite: 'bookworm', components: ['main'], signedBy: key.stdout }]);
      try {
        await expect(client.update()).rejects.toThrow(/NO_PUBKEY|not signed|signature/i);
      } finally {
        await client.dispose();
      }
    } finally {
      await impostor.stop();
    }
  });
});
