/** Runs `report` in-process through the real CLI (src/app.ts), like the binary. */
import { runInProcess, type CliRun } from '../../helpers/cli.js';

export type ReportRun = CliRun;

export function runReport(args: string[]): Promise<ReportRun> {
  return runInProcess(args);
}
