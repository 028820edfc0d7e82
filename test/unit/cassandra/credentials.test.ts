/** Cassandra username and password: the credentials file format, its mode check, and which source wins. */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCredentialsFile, readCredentialsFile, resolveCredentials } from '../../../src/config/cassandra-credentials.js';
import { ToolError } from '../../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cass-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string, mode = 0o600): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('USAGE');
    return (error as ToolError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseCredentialsFile', () => {
  it('reads key=value and key: value, drops comments, blank lines and surrounding spaces', () => {
    expect(parseCredentialsFile('# c\n\nusername = alice\n; other\npassword: s3 cr=et \n', 'f')).toEqual({ username: 'alice', password: 's3 cr=et' });
  });

  it('takes a cqlshrc [authentication] section and ignores the others', () => {
    const text = '[connection]\nhostname = x\nport = 9042\n[authentication]\nusername = bob\npassword = pw\n[ssl]\ncertfile = /c\n';
    expect(parseCredentialsFile(text, 'f')).toEqual({ username: 'bob', password: 'pw' });
  });

  it('handles CRLF and a byte-order mark', () => {
    expect(parseCredentialsFile('\uFEFFusername=a\r\npassword=b\r\n', 'f')).toEqual({ username: 'a', password: 'b' });
  });

  it.each([
    ['pasword=x\n', /f line 1: unknown key "pasword"/],
    ['username=a\njust text\n', /f line 2: expected key=value/],
    ['username=a\nusername=b\n', /f line 2: username is given twice/],
  ])('%j is refused naming the line, never the value', (text, pattern) => {
    const message = usageMessage(() => parseCredentialsFile(text, 'f'));
    expect(message).toMatch(pattern);
  });

  it('a bad line holding a password does not echo it', () => {
    const message = usageMessage(() => parseCredentialsFile('username=a\nhunter2-secret\n', 'f'));
    expect(message).not.toContain('hunter2');
  });
});

describe('readCredentialsFile', () => {
  it('reads a 0600 file', () => {
    expect(readCredentialsFile(file('ok', 'username=u\npassword=p\n'))).toEqual({ username: 'u', password: 'p' });
  });

  it.each([0o644, 0o640, 0o604, 0o620])('refuses mode %s (group or others may read or write it)', (mode) => {
    const p = file(`loose-${mode}`, 'username=u\npassword=p\n', mode);
    expect(usageMessage(() => readCredentialsFile(p))).toMatch(new RegExp(`--cassandra-credentials ${p}: group or others may read or write it \\(mode 0${mode.toString(8)}\\); restrict it with chmod 600`));
  });

  it('a missing file names the flag and the path', () => {
    const p = path.join(dir, 'missing');
    expect(usageMessage(() => readCredentialsFile(p))).toBe(`--cassandra-credentials ${p}: cannot read it (ENOENT)`);
  });

  it('a file with neither key is refused', () => {
    expect(usageMessage(() => readCredentialsFile(file('empty', '# nothing\n')))).toMatch(/has neither username= nor password=/);
  });
});

describe('resolveCredentials', () => {
  const full = () => file('full', 'username=file-user\npassword=file-pw\n');

  it('none configured: undefined (no login)', () => {
    expect(resolveCredentials({}, {})).toBeUndefined();
  });

  it('the environment alone, as before: CASSANDRA_USERNAME and CASSANDRA_PASSWORD (an empty password when unset)', () => {
    expect(resolveCredentials({}, { CASSANDRA_USERNAME: 'u', CASSANDRA_PASSWORD: 'p' })).toEqual({ username: 'u', password: 'p', source: 'env CASSANDRA_PASSWORD' });
    expect(resolveCredentials({}, { CASSANDRA_USERNAME: 'u' })).toEqual({ username: 'u', password: '', source: 'none' });
  });

  it('--cassandra-password-env names the variable that holds the password', () => {
    expect(resolveCredentials({ username: 'u', passwordEnv: 'MY_PW' }, { MY_PW: 'secret', CASSANDRA_PASSWORD: 'other' })).toEqual({ username: 'u', password: 'secret', source: 'env MY_PW' });
  });

  it('the file wins over the environment; the flags win over the file', () => {
    const f = full();
    const env = { CASSANDRA_USERNAME: 'env-user', CASSANDRA_PASSWORD: 'env-pw', MY_PW: 'flag-pw' };
    expect(resolveCredentials({ credentialsFile: f }, env)).toEqual({ username: 'file-user', password: 'file-pw', source: `file ${f}` });
    expect(resolveCredentials({ credentialsFile: f, username: 'flag-user', passwordEnv: 'MY_PW' }, env)).toEqual({ username: 'flag-user', password: 'flag-pw', source: 'env MY_PW' });
  });

  it('a file with only a password takes the username from the flag or the environment', () => {
    const f = file('pw-only', 'password=only\n');
    expect(resolveCredentials({ credentialsFile: f }, { CASSANDRA_USERNAME: 'env-user' })).toMatchObject({ username: 'env-user', password: 'only' });
  });

  it('an unset variable, a password without a username, or a username without a password: usage errors', () => {
    expect(usageMessage(() => resolveCredentials({ username: 'u', passwordEnv: 'NOPE' }, {}))).toBe('--cassandra-password-env NOPE: the variable NOPE is not set');
    expect(usageMessage(() => resolveCredentials({ passwordEnv: 'MY_PW' }, { MY_PW: 'x' }))).toMatch(/a password needs a username/);
    expect(usageMessage(() => resolveCredentials({ username: 'u' }, {}))).toMatch(/no password for Cassandra user "u": set CASSANDRA_PASSWORD, .*--cassandra-password-env VAR/);
  });

  it('a password given to --cassandra-password-env by mistake is refused without being echoed', () => {
    const message = usageMessage(() => resolveCredentials({ username: 'u', passwordEnv: 'p@ss w0rd!' }, {}));
    expect(message).toMatch(/takes the NAME of an environment variable/);
    expect(message).not.toContain('p@ss');
  });
});
