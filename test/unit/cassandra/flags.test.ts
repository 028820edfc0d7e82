/** Every command that opens Cassandra offers the security flags, and none takes a password value. */
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../../helpers/cli.js';

const FLAGS = [
  '--cassandra-username',
  '--cassandra-password-env',
  '--cassandra-credentials',
  '--cassandra-tls',
  '--cassandra-ca',
  '--cassandra-cert',
  '--cassandra-key',
  '--cassandra-no-verify-hostname',
];

describe('Cassandra security flags', () => {
  it.each(['populate', 'migrate', 'verify', 'monitor'])('%s --help lists them all, and no --cassandra-password', async (command) => {
    const r = await runInProcess([command, '--help']);
    expect(r.status).toBe(0);
    for (const flag of FLAGS) expect(r.stdout, flag).toContain(flag);
    expect(r.stdout).not.toMatch(/--cassandra-password\b(?!-env)/);
    expect(r.stdout).not.toMatch(/--password\b/);
  });

  it('report, which opens no database, has none of them', async () => {
    const r = await runInProcess(['report', '--help']);
    expect(r.stdout).not.toContain('--cassandra-');
  });
});
