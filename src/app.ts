/**
 * Builds the Cli and runs one command line in-process with injected streams — the same path the
 * binary and the tests take. Maps every way a command can end to one exit status:
 *   parse or validation error → 64 (one line, no stack)
 *   ToolError                 → exitStatusFor(code) (one line)
 *   anything else             → 3, one line; the stack only with CASS2DDB_DEBUG=1
 */
import { Builtins, Cli, UsageError } from 'clipanion';
import { ExitStatus, ToolError, exitStatusFor } from './errors.js';
import type { ToolContext } from './commands/base.js';
import { PopulateCommand } from './commands/populate.js';
import { MigrateCommand } from './commands/migrate.js';
import { VerifyCommand } from './commands/verify.js';
import { ReportCommand } from './commands/report.js';
import { MonitorCommand } from './commands/monitor.js';
import { StatusCommand } from './commands/status.js';
import { PACKAGE_VERSION } from './package-info.js';


export const BINARY = 'cass2ddb-fast';
export const VERSION: string = PACKAGE_VERSION;

export function buildCli(colored = false): Cli<ToolContext> {
  const cli = new Cli<ToolContext>({
    binaryLabel: 'cass2ddb-fast — Cassandra → DynamoDB, fast, verified',
    binaryName: BINARY,
    binaryVersion: VERSION,
    enableCapture: false,
    enableColors: colored,
  });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  cli.register(PopulateCommand);
  cli.register(MigrateCommand);
  cli.register(VerifyCommand);
  cli.register(MonitorCommand);
  cli.register(ReportCommand);
  cli.register(StatusCommand);
  return cli;
}

export interface RunContext {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  /** Colour in help output; off unless the caller says so. */
  readonly colorDepth?: number;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim().length > 0) ?? text).trim();
}

function usageLine(error: Error, args: readonly string[], known: readonly string[], cli?: Cli<ToolContext>): string {
  const command = args.find((a) => !a.startsWith('-'));
  if (command !== undefined && !known.includes(command)) {
    return `${BINARY}: unknown command "${command}"; commands: ${known.join(', ')}\nRun '${BINARY} --help' for usage.\n`;
  }
  // A known command whose arguments matched nothing: most often a required option is missing.
  if (command !== undefined && cli !== undefined && error.message.startsWith('Command not found')) {
    const def = cli.definitions().find((d) => d.path === `${BINARY} ${command}`);
    const required = (def?.options ?? []).filter((o) => o.required).map((o) => o.definition.split(' ')[0]);
    const missing = required.filter((r) => r !== undefined && !args.some((a) => a === r || a.startsWith(`${r}=`)));
    if (missing.length > 0) {
      return `${BINARY}: ${command}: missing required ${missing.length === 1 ? 'option' : 'options'} ${missing.join(', ')}\nRun '${BINARY} ${command} --help' for usage.\n`;
    }
  }
  const hint = command === undefined ? `${BINARY} --help` : `${BINARY} ${command} --help`;
  return `${BINARY}: ${firstLine(error.message)}\nRun '${hint}' for usage.\n`;
}

/** `--rows -1` would read `-1` as a flag; hand it to the validator as `--rows=-1` instead. */
export function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    if (/^--[a-z][a-z0-9-]*$/.test(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function commandNames(cli: Cli<ToolContext>): string[] {
  return cli.definitions().map((d) => d.path.split(' ')[1] ?? '').filter((n) => n.length > 0 && !n.startsWith('-'));
}

export async function runCli(args: readonly string[], ctx: RunContext): Promise<number> {
  const colored = (ctx.colorDepth ?? 1) > 1;
  const cli = buildCli(colored);
  const known = commandNames(cli);
  const context = {
    stdin: ctx.stdin,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    env: ctx.env,
    colorDepth: ctx.colorDepth ?? 1,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  } as unknown as ToolContext;
  if (args.length === 0) {
    ctx.stdout.write(cli.usage(null, { colored }));
    return ExitStatus.USAGE;
  }
  let command;
  try {
    command = cli.process(joinNegativeValues(args), context);
  } catch (error) {
    ctx.stderr.write(usageLine(error as Error, args, known, cli));
    return ExitStatus.USAGE;
  }
  if (command.help) {
    ctx.stdout.write(cli.usage(command, { detailed: true, colored }));
    return ExitStatus.OK;
  }
  // What Cli.run would set up; we call validateAndExecute ourselves because Cli.run catches
  // every error and prints its stack with exit status 1.
  command.context = context;
  command.cli = {
    binaryLabel: cli.binaryLabel,
    binaryName: cli.binaryName,
    binaryVersion: cli.binaryVersion,
    enableCapture: false,
    enableColors: colored,
    definitions: () => cli.definitions(),
    error: (error, opts) => cli.error(error, opts),
    format: (colored) => cli.format(colored),
    process: (input, sub) => cli.process(input, { ...context, ...sub }),
    run: (input, sub) => cli.run(input, { ...context, ...sub }),
    usage: (cmd, opts) => cli.usage(cmd, opts),
  };
  try {
    return await command.validateAndExecute();
  } catch (error) {
    return reportError(error, args, ctx, known);
  }
}

/** clipanion's own run() catches errors and prints stacks; we intercept before it does. */
export function reportError(error: unknown, args: readonly string[], ctx: RunContext, known: readonly string[]): number {
  if (error instanceof UsageError) {
    ctx.stderr.write(usageLine(error, args, known));
    return ExitStatus.USAGE;
  }
  if (error instanceof ToolError) {
    ctx.stderr.write(`${BINARY}: ${error.message}\n`);
    return exitStatusFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  ctx.stderr.write(`${BINARY}: internal error: ${firstLine(message)}\n`);
  if (ctx.env.CASS2DDB_DEBUG === '1' && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
  return ExitStatus.FATAL;
}
