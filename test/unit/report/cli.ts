/**
 * Runs `report` in-process the way src/app.ts runs any command (same error mapping through
 * reportError), on a Cli of its own until app.ts registers the command.
 */
import { PassThrough } from 'node:stream';
import { Builtins, Cli } from 'clipanion';
import { reportError } from '../../../src/app.js';
import { ExitStatus } from '../../../src/errors.js';
import type { ToolContext } from '../../../src/commands/base.js';
import { ReportCommand } from '../../../src/commands/report.js';

export interface ReportRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runReport(args: string[]): Promise<ReportRun> {
  const cli = new Cli<ToolContext>({ binaryName: 'cass2ddb-fast', enableCapture: false, enableColors: false });
  cli.register(Builtins.HelpCommand);
  cli.register(ReportCommand);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const context = { stdin: new PassThrough(), stdout, stderr, env: {}, colorDepth: 1 } as unknown as ToolContext;
  const ctx = { stdin: context.stdin, stdout, stderr, env: {} };
  let command;
  try {
    command = cli.process(args, context);
  } catch (error) {
    err += `cass2ddb-fast: ${(error as Error).message.split('\n')[0] ?? ''}\n`;
    return { status: ExitStatus.USAGE, stdout: out, stderr: err };
  }
  if (command.help) return { status: ExitStatus.OK, stdout: cli.usage(command, { detailed: true }), stderr: err };
  command.context = context;
  // What app.ts's runCli sets up (Builtins.HelpCommand prints through it).
  command.cli = {
    binaryLabel: cli.binaryLabel,
    binaryName: cli.binaryName,
    binaryVersion: cli.binaryVersion,
    enableCapture: false,
    enableColors: false,
    definitions: () => cli.definitions(),
    error: (error, opts) => cli.error(error, opts),
    format: (colored) => cli.format(colored),
    process: (input, sub) => cli.process(input, { ...context, ...sub }),
    run: (input, sub) => cli.run(input, { ...context, ...sub }),
    usage: (cmd, opts) => cli.usage(cmd, opts),
  };
  let status: number;
  try {
    status = await command.validateAndExecute();
  } catch (error) {
    status = reportError(error, args, ctx, ['report']);
  }
  return { status, stdout: out, stderr: err };
}
