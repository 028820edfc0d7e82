import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeRunReport } from '../../../src/report/run-report.js';
import { runReport } from './cli.js';
import { sampleInput, tempDir } from './sample.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/report/${name}`, import.meta.url));

describe('cass2ddb-fast report', () => {
  it('prints the tables of one run', async () => {
    const r = await runReport(['report', fixture('run-a')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('latency (ms)');
    expect(r.stdout).toContain('timeline (10 s)');
  });

  it('compares two runs', async () => {
    const r = await runReport(['report', fixture('run-a'), fixture('run-b')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^A migrate completed/);
    expect(r.stdout).toMatch(/^B migrate completed/m);
    expect(r.stdout).toMatch(/\+100\.\d %/);
  });

  it('--json prints the same data as one JSON line', async () => {
    const one = await runReport(['report', fixture('run-a'), '--json']);
    expect(one.status).toBe(0);
    const e = JSON.parse(one.stdout) as { event: string; runs: Array<{ numbers: Record<string, number> }>; changes: unknown };
    expect(e.event).toBe('report');
    expect(e.runs).toHaveLength(1);
    expect(e.runs[0]?.numbers.rowsRead).toBe(10_000);
    expect(e.changes).toBeNull();
    const two = await runReport(['report', fixture('run-a'), fixture('run-b'), '--json']);
    const c = JSON.parse(two.stdout) as { runs: unknown[]; changes: { numbers: Record<string, number> } };
    expect(c.runs).toHaveLength(2);
    expect(c.changes.numbers.durationMs).toBe(-20);
  });

  it('--html writes the page of one run or of the comparison', async () => {
    const dir = tempDir();
    const one = path.join(dir, 'a.html');
    const r = await runReport(['report', fixture('run-a'), '--html', one]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`HTML report written to ${one}\n`);
    expect(readFileSync(one, 'utf8').match(/<svg /g)).toHaveLength(3);
    const two = path.join(dir, 'ab.html');
    expect((await runReport(['report', fixture('run-a'), fixture('run-b'), '--html', two])).status).toBe(0);
    expect(readFileSync(two, 'utf8').match(/<svg /g)).toHaveLength(4);
  });

  it('reads a report just written by writeRunReport', async () => {
    const dir = tempDir();
    writeRunReport(dir, sampleInput());
    expect((await runReport(['report', dir])).status).toBe(0);
  });

  it('a missing or invalid directory is a one-line usage error (64)', async () => {
    const r = await runReport(['report', '/nonexistent/run']);
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('cass2ddb-fast: /nonexistent/run is not a run report: no such directory\n');
    const empty = tempDir();
    const e = await runReport(['report', fixture('run-a'), empty]);
    expect(e.status).toBe(64);
    expect(e.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(e.stderr).toContain('no summary.json');
  });

  it('an unwritable --html file is a usage error, and no report is printed', async () => {
    const r = await runReport(['report', fixture('run-a'), '--html', '/nonexistent/dir/a.html']);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/^cass2ddb-fast: --html: cannot write \/nonexistent\/dir\/a\.html: ENOENT/);
    expect(existsSync('/nonexistent/dir/a.html')).toBe(false);
  });

  it('needs a directory; three are too many', async () => {
    expect((await runReport(['report'])).status).toBe(64);
    expect((await runReport(['report', 'a', 'b', 'c'])).status).toBe(64);
  });

  it('--help shows the usage with examples', async () => {
    const r = await runReport(['report', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('$ cass2ddb-fast report runs/a runs/b');
    expect(r.stdout).toContain('--html');
    expect(r.stdout).toContain('$ cass2ddb-fast report <dir> [dir2]');
    expect(r.stdout).toContain('as one JSON line');
  });
});
