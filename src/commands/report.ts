import { writeFileSync } from 'node:fs';
import { Command, Option } from 'clipanion';
import { ErrorCode, ExitStatus, toolError } from '../errors.js';
import { compareReports, reportData } from '../report/data.js';
import { renderReportHtml } from '../report/html.js';
import { readRunReport } from '../report/run-report.js';
import { formatComparisonData, formatReportData } from '../report/tables.js';
import { ToolCommand } from './base.js';

export class ReportCommand extends ToolCommand {
  static override paths = [['report']];

  static override usage = Command.Usage({
    category: 'Tuning',
    description: 'print the latency percentiles and throughput of a run, or compare two runs',
    details: `
      Reads a report directory written by \`migrate --report-dir DIR\` and prints, per phase (page fetch, row conversion, batch write, whole range, and counts such as retries per item), the percentile table: p50, p75, p90, p95, p99, p99.9, p99.99, max, count and mean, latencies in milliseconds. Then the timeline: peak and mean items/s, the rate limit, the seconds with throttles; then the settings of the run.

      With a second directory, prints both runs side by side with the change from the first (A) to the second (B) in %, for every percentile and summary number, and marks the settings that differ.

      \`--html FILE\` writes a self-contained HTML page (charts of the percentile spectrum and of the throughput over time; no network needed to open it) of the run or of the comparison. Every report directory also holds its own \`report.html\`, \`<phase>.hgrm\` percentile files for HdrHistogram plotters and \`timeline.jsonl\`.

      Exit status: 0 printed; 64 a directory is missing or is not a run report.
    `,
    examples: [
      ['Percentiles and throughput of one run', '$0 report runs/2026-11-21'],
      ['Compare two runs (B against A)', '$0 report runs/a runs/b'],
      ['An HTML page of one run', '$0 report runs/a --html a.html'],
      ['An HTML page comparing two runs', '$0 report runs/a runs/b --html a-vs-b.html'],
      ['The same numbers as JSON', '$0 report runs/a runs/b --json'],
    ],
  });

  override json = Option.Boolean('--json', false, { description: 'Print the numbers (and the changes, with two runs) as one JSON line' });

  dir = Option.String({ name: 'dir', required: true });
  dir2 = Option.String({ name: 'dir2', required: false });
  html = Option.String('--html', { description: 'Write an HTML page of the run (or of the comparison) to FILE' });

  override async execute(): Promise<number> {
    const a = readRunReport(this.dir);
    const b = this.dir2 === undefined ? undefined : readRunReport(this.dir2);
    if (this.html !== undefined) {
      const page = renderReportHtml(b === undefined ? [a] : [a, b]);
      try {
        writeFileSync(this.html, page);
      } catch (error) {
        throw toolError(ErrorCode.USAGE, `--html: cannot write ${this.html}: ${(error as Error).message.split('\n')[0] ?? ''}`);
      }
    }
    const da = reportData(a);
    const comparison = b === undefined ? null : compareReports(da, reportData(b));
    if (this.json) {
      const runs = comparison === null ? [da] : [comparison.a, comparison.b];
      const event = { event: 'report', command: 'report', runs, changes: comparison?.changes ?? null, html: this.html ?? null };
      this.context.stdout.write(`${JSON.stringify(event)}\n`);
      return ExitStatus.OK;
    }
    this.context.stdout.write(comparison === null ? formatReportData(da) : formatComparisonData(comparison));
    if (this.html !== undefined) this.context.stderr.write(`HTML report written to ${this.html}\n`);
    return ExitStatus.OK;
  }
}
