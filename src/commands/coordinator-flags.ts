/**
 * The flags of many processes on one job (--coordinator), shared by migrate, verify and monitor:
 * each command class declares its fields with these, so the text and the checks are written once.
 */
import { Option } from 'clipanion';
import { DEFAULTS } from '../config/defaults.js';
import { coordinatorConfig, type CoordinatorConfig } from '../coord/session.js';
import { ErrorCode, ToolError } from '../errors.js';
import { isPositiveInt } from './base.js';

export const coordinatorFlag = () =>
  Option.String('--coordinator', {
    description: 'dynamodb:<table>: many processes on one job, through leases in this DynamoDB table (created on demand, on the target\'s endpoint and account); every process started with the same job and flag shares the work, the positions and the rate budget (--max-wcu, --max-rcu)',
  });
export const coordinatorEndpointFlag = () =>
  Option.String('--coordinator-endpoint-url', { description: 'With --coordinator: the DynamoDB endpoint of the coordination table, when it is not the target\'s (same region and credentials)' });
export const processIdFlag = () =>
  Option.String('--process-id', { description: 'With --coordinator: this process\'s name in the coordination table (default <host>-<pid>, plus -i<index> under a Kubernetes Indexed Job or an AWS Batch array job)' });
export const leaseSecondsFlag = () =>
  Option.String('--lease-seconds', String(DEFAULTS.coordination.leaseMs / 1000), {
    description: `With --coordinator: a process whose lease counter stands still this long is taken for dead and its work is taken over from its positions (default ${DEFAULTS.coordination.leaseMs / 1000})`,
    validator: isPositiveInt(3600),
  });

export interface CoordinatorFlags {
  readonly coordinator: string | undefined;
  readonly coordinatorEndpointUrl: string | undefined;
  readonly processId: string | undefined;
  readonly leaseSeconds: number;
}

/** The flags resolved; undefined without --coordinator (and its companions then refused). */
export function resolveCoordinator(f: CoordinatorFlags, env: NodeJS.ProcessEnv): CoordinatorConfig | undefined {
  if (f.coordinator === undefined) {
    for (const [flag, value] of [['--coordinator-endpoint-url', f.coordinatorEndpointUrl], ['--process-id', f.processId]] as const) {
      if (value !== undefined) throw new ToolError({ code: ErrorCode.USAGE, message: `${flag} needs --coordinator`, retryable: false });
    }
    return undefined;
  }
  return coordinatorConfig(f.coordinator, env, {
    ...(f.processId === undefined ? {} : { processId: f.processId }),
    leaseSeconds: f.leaseSeconds,
    ...(f.coordinatorEndpointUrl === undefined ? {} : { endpoint: f.coordinatorEndpointUrl }),
  });
}

export { perProcess } from '../coord/session.js';
