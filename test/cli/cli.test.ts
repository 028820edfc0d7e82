/** The command line, run in-process: help, version and the usage errors (no database needed). */
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/cli.js';
import { VERSION } from '../../src/app.js';
import { joinNegativeValues } from '../../src/app.js';

describe('cass2ddb-fast CLI', () => {
  it('--help lists the commands with examples', async () => {
    const r = await runInProcess(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('cass2ddb-fast populate');
    const p = await runInProcess(['populate', '--help']);
    expect(p.status).toBe(0);
    expect(p.stdout).toContain('Examples');
    expect(p.stdout).toContain('--rows');
    expect(p.stdout).toContain('$ cass2ddb-fast populate --rows 1000000 --threads 2');
  });

  it('--version prints the package version', async () => {
    const r = await runInProcess(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('no arguments prints usage and exits 64', async () => {
    const r = await runInProcess([]);
    expect(r.status).toBe(64);
    expect(r.stdout).toContain('populate');
  });

  const usageErrors: Array<[string, string[], RegExp]> = [
    ['unknown flag', ['populate', '--bogus'], /Unsupported option name \("--bogus"\)/],
    ['negative rows', ['populate', '--rows', '-1'], /--rows: expected to be at least 0 \(got -1\)/],
    ['negative rows with =', ['populate', '--rows=-1'], /--rows: expected to be at least 0 \(got -1\)/],
    ['rows not a number', ['populate', '--rows', 'lots'], /--rows: expected a number/],
    ['fractional rows', ['populate', '--rows', '1.5'], /--rows: expected to be an integer/],
    ['zero threads', ['populate', '--threads', '0'], /--threads/],
    ['unknown model', ['populate', '--model', 'orders'], /--model must be one of users, events, all-types; got "orders"/],
    ['bad replication', ['populate', '--replication', 'lots'], /--replication: expected N, dc:N/],
    ['bad contact point port', ['populate', '--contact-points', 'localhost:99999'], /port number between 1 and 65535/],
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"; commands: populate, migrate, verify, monitor, report/],
    ['migrate without --keyspace', ['migrate', '--table', 't'], /^cass2ddb-fast: migrate: missing required option --keyspace$/],
    ['verify without --keyspace and --table', ['verify'], /^cass2ddb-fast: verify: missing required options --keyspace, --table$/],
    ['migrate with a write-only consistency', ['migrate', '--keyspace', 'k', '--table', 't', '--consistency', 'ANY'], /--consistency: expected one of/],
    ['migrate --resume --fresh', ['migrate', '--keyspace', 'k', '--table', 't', '--resume', '--fresh'], /--resume and --fresh exclude each other/],
    ['migrate --rate with --max-wcu', ['migrate', '--keyspace', 'k', '--table', 't', '--rate', '10', '--max-wcu', '10'], /--rate and --max-wcu exclude each other/],
    ['migrate --in-flight 0', ['migrate', '--keyspace', 'k', '--table', 't', '--in-flight', '0'], /--in-flight/],
    ['migrate --max-errors -2', ['migrate', '--keyspace', 'k', '--table', 't', '--max-errors', '-2'], /--max-errors: expected to be at least -1/],
    ['verify --sample-rate 0', ['verify', '--keyspace', 'k', '--table', 't', '--sample-rate', '0'], /--sample-rate/],
    ['verify --sample-rate 101', ['verify', '--keyspace', 'k', '--table', 't', '--sample-rate', '101'], /--sample-rate/],
    ['verify --recheck-after -1', ['verify', '--keyspace', 'k', '--table', 't', '--recheck-after', '-1'], /--recheck-after/],
    ['verify --fix-extra alone', ['verify', '--keyspace', 'k', '--table', 't', '--fix-extra'], /--fix-extra needs --check-extra/],
    ['report without a directory', ['report'], /Not enough positional arguments/],
    ['migrate --outage-limit 0', ['migrate', '--keyspace', 'k', '--table', 't', '--outage-limit', '0'], /--outage-limit: expected to be in the \[1; 604800\] range \(got 0\)/],
    ['verify --outage-limit not a number', ['verify', '--keyspace', 'k', '--table', 't', '--outage-limit', 'soon'], /--outage-limit: expected a number/],
    ['populate with an unknown consistency', ['populate', '--consistency', 'MOST'], /--consistency: expected one of/],
  ];

  it.each(usageErrors)('%s: one line, exit 64, no stack', async (_name, args, message) => {
    const r = await runInProcess(args);
    expect(r.status).toBe(64);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toMatch(/^cass2ddb-fast: /);
    expect(lines.length).toBeLessThanOrEqual(2); // the error, then the --help hint
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  // No shard variable from the machine that runs the tests: `auto/N` must find none.
  const noShardEnv = { JOB_COMPLETION_INDEX: undefined, AWS_BATCH_JOB_ARRAY_INDEX: undefined, CASS2DDB_SHARD_INDEX: undefined };
  const shardErrors: Array<[string, string[], Record<string, string | undefined>, RegExp]> = [
    ['migrate --shard 3/3', ['migrate', '--keyspace', 'k', '--table', 't', '--shard', '3/3'], {}, /^cass2ddb-fast: --shard 3\/3: the index must be 0 to 2/],
    ['migrate --shard x', ['migrate', '--keyspace', 'k', '--table', 't', '--shard', 'x'], {}, /^cass2ddb-fast: --shard: expected i\/N or auto\/N .*got "x"$/],
    ['migrate --shard auto/3 without an index', ['migrate', '--keyspace', 'k', '--table', 't', '--shard', 'auto/3'], {}, /^cass2ddb-fast: --shard auto\/3: no shard index in the environment \(set one of JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, CASS2DDB_SHARD_INDEX/],
    ['migrate --shard -1/3', ['migrate', '--keyspace', 'k', '--table', 't', '--shard', '-1/3'], {}, /^cass2ddb-fast: --shard: expected i\/N/],
    ['migrate --shard 0/0', ['migrate', '--keyspace', 'k', '--table', 't', '--shard', '0/0'], {}, /^cass2ddb-fast: --shard 0\/0: the shard count must be 1 to 10,000/],
    ['migrate --shard auto/3 with JOB_COMPLETION_INDEX=3', ['migrate', '--keyspace', 'k', '--table', 't', '--shard', 'auto/3'], { JOB_COMPLETION_INDEX: '3' }, /^cass2ddb-fast: --shard auto\/3: JOB_COMPLETION_INDEX="3" is not a shard index 0 to 2$/],
    ['migrate --shard with too many ranges', ['migrate', '--keyspace', 'k', '--table', 't', '--shard', '0/10000', '--splits', '101'], {}, /^cass2ddb-fast: --shard 0\/10000: each shard plans the whole ring in 101 × 10,000 = 1,010,000 ranges, more than 1,000,000/],
    // a 0.1 % sample plans 20,000 ranges per shard: 100 shards of it are too many
    ['verify --shard of a small sample with too many ranges', ['verify', '--keyspace', 'k', '--table', 't', '--shard', '1/100', '--sample-rate', '0.1'], {}, /^cass2ddb-fast: --shard 1\/100: each shard plans the whole ring in 20,000 × 100 = 2,000,000 ranges/],
    ['verify --shard 3/3', ['verify', '--keyspace', 'k', '--table', 't', '--shard', '3/3'], {}, /^cass2ddb-fast: --shard 3\/3: the index must be 0 to 2/],
    ['verify --shard x', ['verify', '--keyspace', 'k', '--table', 't', '--shard', 'x'], {}, /^cass2ddb-fast: --shard: expected i\/N/],
    ['verify --shard auto/3 without an index', ['verify', '--keyspace', 'k', '--table', 't', '--shard', 'auto/3'], {}, /^cass2ddb-fast: --shard auto\/3: no shard index in the environment/],
  ];

  // Refused before any connection: no database is needed (127.0.0.1:1 answers nothing).
  it.each(shardErrors)('%s: one line naming --shard, exit 64', async (_name, args, env, message) => {
    const r = await runInProcess([...args, '--contact-points', '127.0.0.1:1'], { ...noShardEnv, ...env });
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('unreachable contact point: one line, exit 3', async () => {
    const r = await runInProcess(['populate', '--contact-points', '127.0.0.1:1', '--rows', '10']);
    expect(r.status).toBe(3);
    expect(r.stderr.trim()).toMatch(/^cass2ddb-fast: cannot reach Cassandra at 127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('bad CASSANDRA_PORT in the environment is a usage error', async () => {
    const r = await runInProcess(['populate', '--rows', '1'], { CASSANDRA_PORT: 'abc' });
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/CASSANDRA_PORT must be a port number/);
  });

  it('joins a flag and its negative value', () => {
    expect(joinNegativeValues(['populate', '--rows', '-1', '--json'])).toEqual(['populate', '--rows=-1', '--json']);
    expect(joinNegativeValues(['populate', '--json', '--rows', '5'])).toEqual(['populate', '--json', '--rows', '5']);
  });
});
