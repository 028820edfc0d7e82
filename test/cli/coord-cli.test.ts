/**
 * The coordination flags (--coordinator, --process-id, --lease-seconds) as usage errors, run
 * in-process: each is refused with exit 64 and one line naming the flag, before any connection
 * (127.0.0.1:1 answers nothing, so a check made after connecting would end as exit 3 instead).
 */
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/cli.js';

const base = ['migrate', '--keyspace', 'k', '--table', 't', '--contact-points', '127.0.0.1:1', '--endpoint-url', 'http://127.0.0.1:1'];
const noIndexEnv = { JOB_COMPLETION_INDEX: undefined, AWS_BATCH_JOB_ARRAY_INDEX: undefined, CASS2DDB_SHARD_INDEX: undefined };

const cases: Array<[string, string[], RegExp]> = [
  ['--coordinator foo', [...base, '--coordinator', 'foo'], /^cass2ddb-fast: --coordinator: expected dynamodb:<table>, got "foo"$/],
  ['--coordinator dynamodb:x (name too short)', [...base, '--coordinator', 'dynamodb:x'], /^cass2ddb-fast: --coordinator: "x" is no DynamoDB table name/],
  ['--coordinator dynamodb: (no name)', [...base, '--coordinator', 'dynamodb:'], /^cass2ddb-fast: --coordinator: "" is no DynamoDB table name/],
  ['--coordinator with a bad character', [...base, '--coordinator', 'dynamodb:jobs/1'], /^cass2ddb-fast: --coordinator: "jobs\/1" is no DynamoDB table name/],
  ['--coordinator with --shard 0/2', [...base, '--coordinator', 'dynamodb:jobs', '--shard', '0/2'], /^cass2ddb-fast: .*--shard and --coordinator exclude each other/],
  // --resume and --checkpoint are flags of one process: refused like --shard, before connecting
  // (test/integration/coord-migrate-plan.test.ts checks the message with Cassandra reachable).
  ['--coordinator with --resume', [...base, '--coordinator', 'dynamodb:jobs', '--resume'], /^cass2ddb-fast: .*--resume/],
  ['--coordinator with --checkpoint', [...base, '--coordinator', 'dynamodb:jobs', '--checkpoint', 'c.json'], /^cass2ddb-fast: .*--checkpoint/],
  ['--process-id with a space and a !', [...base, '--coordinator', 'dynamodb:jobs', '--process-id', 'bad id!'], /^cass2ddb-fast: --process-id: "bad id!" must be 1-100 of/],
  ['--process-id too long', [...base, '--coordinator', 'dynamodb:jobs', '--process-id', 'p'.repeat(101)], /^cass2ddb-fast: --process-id: /],
  ['--process-id without --coordinator', [...base, '--process-id', 'a'], /^cass2ddb-fast: --process-id needs --coordinator$/],
  ['--lease-seconds 0', [...base, '--coordinator', 'dynamodb:jobs', '--lease-seconds', '0'], /^cass2ddb-fast: .*--lease-seconds: expected to be in the \[1; 3600\] range \(got 0\)$/],
  ['status --coordinator foo', ['status', '--coordinator', 'foo', '--endpoint-url', 'http://127.0.0.1:1'], /^cass2ddb-fast: --coordinator: expected dynamodb:<table>, got "foo"$/],
  ['status --coordinator dynamodb:x', ['status', '--coordinator', 'dynamodb:x', '--endpoint-url', 'http://127.0.0.1:1'], /^cass2ddb-fast: --coordinator: "x" is no DynamoDB table name/],
];

describe('coordination flags', () => {
  it.each(cases)('%s: exit 64, one line naming the flag, before any connection', async (_name, args, message) => {
    const r = await runInProcess(args, noIndexEnv);
    expect(r.status, r.stderr).toBe(64);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(message);
    // the error, then at most clipanion's --help hint
    expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
    if (lines.length === 2) expect(lines[1]).toMatch(/--help/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('status needs --coordinator', async () => {
    const r = await runInProcess(['status']);
    expect(r.status).toBe(64);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/--coordinator/);
  });
});
