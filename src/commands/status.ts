import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { DEFAULTS } from '../config/defaults.js';
import { describeTarget } from '../dynamodb/target.js';
import { ExitStatus } from '../errors.js';
import { coordinatorConfig, openCoordinationTable } from '../coord/session.js';
import { LeaseTable } from '../coord/lease-table.js';
import { formatJobStatus, readJobStatus, type JobStatus } from '../coord/status.js';
import { isPositiveInt, ToolCommand } from './base.js';

const JOBS = ['migrate', 'verify', 'monitor'] as const;

export class StatusCommand extends ToolCommand {
  static override paths = [['status']];

  static override usage = Command.Usage({
    category: 'Migration',
    description: 'show a job that many processes share through a coordination table (--coordinator)',
    details: `
      Reads the coordination table once and prints, for each job it holds (migrate, verify, monitor; or the one \`--job\` names): the items (token ranges, scan segments, stream shards) done, in progress (by which process, since when, at which position) and free; the share of the token ring done; rows and items so far (each process's last heartbeat) and dead letters (exact: each is counted in its range's lease); the job's rate budget and each process's share of it; every process with its state, the age of its last heartbeat, its host and pid, and where it keeps its dead letters and report; an ETA from the share done since the plan was written.

      A process counts as alive while its heartbeat is younger than the lease time, by its own clock (the processes themselves take leases over by watching counters, not clocks).

      Exit status: 0 printed; 1 the table holds no such job; 3 the table cannot be read; 64 usage error.
    `,
    examples: [
      ['The job of a coordination table', '$0 status --coordinator dynamodb:users-migration'],
      ['Against DynamoDB Local, as JSON', '$0 status --coordinator dynamodb:users-migration --endpoint-url http://127.0.0.1:8000 --json'],
    ],
  });

  coordinator = Option.String('--coordinator', { required: true, description: 'dynamodb:<table>: the coordination table the processes were started with' });
  job = Option.String('--job', { description: 'migrate, verify or monitor (default: every job the table holds)', validator: t.isEnum(JOBS) });
  endpointUrl = Option.String('--endpoint-url', { description: 'DynamoDB endpoint of the coordination table (default: the region\'s AWS endpoint)' });
  region = Option.String('--region', { description: 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region)' });
  profile = Option.String('--profile', { description: 'AWS profile of ~/.aws/config (default: AWS_PROFILE)' });
  leaseSeconds = Option.String('--lease-seconds', String(DEFAULTS.coordination.leaseMs / 1000), {
    description: `The processes' lease time: a process is shown alive while its heartbeat is younger (default ${DEFAULTS.coordination.leaseMs / 1000})`,
    validator: isPositiveInt(3600),
  });

  override async execute(): Promise<number> {
    const config = coordinatorConfig(this.coordinator, this.context.env, { leaseSeconds: this.leaseSeconds });
    const target = await describeTarget({
      ...(this.endpointUrl === undefined ? {} : { endpoint: this.endpointUrl }),
      ...(this.region === undefined ? {} : { region: this.region }),
      ...(this.profile === undefined ? {} : { profile: this.profile }),
    });
    const session = await openCoordinationTable(target.endpoint, config, 'migrate', { create: false });
    const found: JobStatus[] = [];
    try {
      for (const job of this.job === undefined ? JOBS : [this.job]) {
        const st = await readJobStatus(new LeaseTable(session.client, config.table, job), config.leaseMs);
        if (st !== undefined) found.push(st);
      }
    } finally {
      session.close();
    }
    if (this.json) this.context.stdout.write(`${JSON.stringify({ event: 'status', coordinator: config.text, jobs: found })}\n`);
    else if (found.length === 0) this.context.stdout.write(`${config.text} holds no ${this.job ?? 'migrate, verify or monitor'} job\n`);
    else this.context.stdout.write(found.map((st) => formatJobStatus(st, config.text)).join('\n'));
    return found.length === 0 ? ExitStatus.COMPLETED_WITH_ERRORS : ExitStatus.OK;
  }
}
