import path from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import { perProcess } from './coordinator-flags.js';
import * as t from 'typanion';
import { DEFAULTS, LIMITS } from '../config/defaults.js';
import { ProgressDisplay, progressMode } from '../metrics/progress.js';
import type { VerifyConfig } from '../verify/config.js';
import { runVerify } from '../verify/run.js';
import { withShardSuffix } from '../plan/shards.js';
import { splitsForSample } from '../verify/sample.js';
import { prepareReportDir } from '../report/run-report.js';
import { formatVerifySummary } from '../verify/summary.js';
import { isNonNegativeInt, isPositiveInt } from './base.js';
import { TableJobCommand } from './table-job.js';

export class VerifyCommand extends TableJobCommand {
  static override paths = [['verify']];

  static override usage = Command.Usage({
    category: 'Migration',
    description: 'prove the copy is right: compare Cassandra and DynamoDB, both ways, and repair',
    details: `
      Source → target: scans the Cassandra table by token range on \`--threads\` worker threads, maps every row with the same mapping as migrate, fetches the items with BatchGetItem (100 keys a request) and compares them attribute by attribute — numbers by value, sets as sets, binary by bytes — naming exactly which attributes differ.

      Target → source (\`--check-extra\`): a parallel segmented Scan of the DynamoDB table, looking up each item's source row, finds items with no row in Cassandra.

      \`--sample-rate P\` checks P % of the data, chosen by token range (and scan segment), so a sampled run costs P % of a full one; the summary says what the sample proves. \`--fix\` rewrites missing and different items from the source; \`--fix-extra\` deletes extra items. \`--recheck-after MS\` looks again at a difference after MS milliseconds before reporting it, so a copy still catching up is not reported as wrong; \`--consistent-read\` reads DynamoDB strongly consistently.

      Every difference goes to a JSONL file (\`--differences\`): kind (missing, mismatch, extra), key, the differing attributes with expected and actual values, and the repair made.

      Static shards: \`--shard i/N\` checks only shard i of N fixed, equal token segments of the ring (sampled within it with \`--sample-rate\`) and, with \`--check-extra\`, the scan segments s of the target with s mod N = i, so N processes split one verify; \`--shard auto/N\` takes i from JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or CASS2DDB_SHARD_INDEX. The share checked is then of the shard's segment, and each shard writes its own differences file (\`….shard-<i>-of-<N>.jsonl\`).

      Exit status: 0 identical; 1 differences found (also when repaired); 3 fatal (unreachable database, missing table, schema mismatch); 4 interrupted; 64 usage error.
    `,
    examples: [
      ['Check every row of app.users against the users table', '$0 verify --keyspace app --table users --target-table users'],
      ['Both directions, 10 % sample', '$0 verify --keyspace app --table users --check-extra --sample-rate 10'],
      ['Check and repair, on DynamoDB Local', '$0 verify --keyspace app --table users --endpoint-url http://127.0.0.1:8000 --fix --check-extra --fix-extra'],
      ['During a live migration: re-check differences after 5 s', '$0 verify --keyspace app --table users --recheck-after 5000 --consistent-read'],
      ['Shard 0 of 3, both directions (run 1/3 and 2/3 elsewhere)', '$0 verify --keyspace app --table users --check-extra --shard 0/3'],
    ],
  });

  inFlight = Option.String('--in-flight', String(DEFAULTS.verify.inFlight), { description: `BatchGetItem requests in flight per thread (default ${DEFAULTS.verify.inFlight})`, validator: isPositiveInt(LIMITS.maxInFlightBatches) });
  sampleRate = Option.String('--sample-rate', String(DEFAULTS.verify.sampleRatePercent), {
    description: 'Percent of the data to check, chosen by token range (default 100)',
    validator: t.cascade(t.isNumber(), [t.isInInclusiveRange(0.001, 100)]),
  });
  seed = Option.String('--seed', String(DEFAULTS.verify.seed), { description: 'Seed of the sample (default 1)', validator: isNonNegativeInt() });
  checkExtra = Option.Boolean('--check-extra', false, { description: 'Also scan DynamoDB for items with no source row' });
  consistentRead = Option.Boolean('--consistent-read', false, { description: 'Strongly consistent reads from DynamoDB' });
  recheckAfter = Option.String('--recheck-after', String(DEFAULTS.verify.recheckAfterMs), {
    description: 'Look at a difference again after this many milliseconds before reporting it (default 0: no re-check)',
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(0, 600_000)]),
  });
  fix = Option.Boolean('--fix', false, { description: 'Rewrite missing and different items from the source' });
  fixExtra = Option.Boolean('--fix-extra', false, { description: 'Delete items with no source row (needs --check-extra)' });
  fresh = Option.Boolean('--fresh', false, { description: 'With --coordinator: drop the verify job\'s state in the coordination table first, to verify the same job again (refused while a process of it runs)' });
  maxRcu = Option.String('--max-rcu', {
    description: 'Ceiling in read units per second for BatchGetItem and Scan (the rate adapts to throttling below it)',
    validator: isPositiveInt(10_000_000),
  });
  maxWcu = Option.String('--max-wcu', {
    description: 'Ceiling in write units per second for repairs (--fix, --fix-extra)',
    validator: isPositiveInt(10_000_000),
  });
  differences = Option.String('--differences', { description: 'Differences file, JSON lines (default: verify-differences/<ks>.<table>--<target>.jsonl; with --shard i/N: ….shard-<i>-of-<N>.jsonl)' });

  /** A sample plans more ranges, so it can come close to its rate (src/verify/sample.ts). */
  protected override plannedSplits(): number {
    return splitsForSample(this.resolvedSplits(), this.sampleRate / 100);
  }

  override async execute(): Promise<number> {
    if (this.fixExtra && !this.checkExtra) throw new UsageError('--fix-extra needs --check-extra');
    const shared = this.tableJobConfig(Math.max(DEFAULTS.migrate.connectionsPerThread, this.inFlight * 2));
    const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
    const config: VerifyConfig = {
      ...shared,
      inFlight: this.inFlight,
      sampleRate: this.sampleRate / 100,
      seed: this.seed,
      checkExtra: this.checkExtra,
      consistentRead: this.consistentRead,
      recheckAfterMs: this.recheckAfter,
      fix: this.fix,
      fixExtra: this.fixExtra,
      fresh: this.fresh,
      ...(this.maxRcu === undefined ? {} : { maxRcu: this.maxRcu }),
      ...(this.maxWcu === undefined ? {} : { maxWcu: this.maxWcu }),
      // Each shard its own file (`….shard-<i>-of-<N>.jsonl`): shards may share a folder, never a file.
      // With --coordinator each process its own (`….<process id>.jsonl`).
      // With --coordinator every process its own file, named or not: processes may share a folder.
      differencesPath: maybePerProcess(this.differences ?? withShardSuffix(path.join('verify-differences', `${safe(this.keyspace)}.${safe(this.table)}--${safe(shared.targetTable)}.jsonl`), shared.shard), shared.coordinator?.processId),
    };
    if (this.fresh && config.coordinator === undefined) throw new UsageError('--fresh is for a job shared through --coordinator (verify keeps no state of its own)');
    if (config.reportDir !== undefined) prepareReportDir(config.reportDir);
    const display = new ProgressDisplay(progressMode(this.json, this.context.stderr), this.context, 'rows', 'verify');
    const summary = await runVerify(config, display, this.context.signal);
    if (this.json) this.context.stdout.write(`${JSON.stringify({ event: 'summary', command: 'verify', ...summary })}\n`);
    else this.context.stdout.write(formatVerifySummary(summary));
    if (summary.error !== undefined) this.context.stderr.write(`cass2ddb-fast: ${summary.error.message}\n`);
    return summary.exitStatus;
  }
}

function maybePerProcess(file: string, processId: string | undefined): string {
  return processId === undefined ? file : perProcess(file, processId);
}
