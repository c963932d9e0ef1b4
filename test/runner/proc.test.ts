import { ChildProcesses } from '../../src/runner/proc';

describe('ChildProcesses', () => {
  test('runs a command with its arguments unparsed, and reports its exit code and output', async () => {
    const children = new ChildProcesses();
    const r = await children.run('sh', ['-c', 'printf "%s" "$1"; exit 3', 'sh', '$(echo not run); *']);
    expect(r).toEqual({ code: 3, stdout: '$(echo not run); *', stderr: '' });
  });

  test('killAll stops running children and refuses new ones, except those run after stopping (cleanup)', async () => {
    const children = new ChildProcesses();
    const sleeping = children.run('sleep', ['30']);
    await new Promise(res => setTimeout(res, 100));
    children.killAll();
    expect(children.stopping).toBe(true);
    expect((await sleeping).code).toBe(128); // killed by SIGTERM: no exit code
    expect(await children.run('true', [])).toEqual({ code: 143, stdout: '', stderr: 'true not started: the build is stopping' });
    expect((await children.run('true', [], { afterStop: true })).code).toBe(0);
  });

  test('each instance stops only its own children', async () => {
    const stopped = new ChildProcesses();
    stopped.killAll();
    const other = new ChildProcesses();
    expect(other.stopping).toBe(false);
    expect((await other.run('true', [])).code).toBe(0);
  });
});
