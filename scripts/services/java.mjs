// Finding and validating the Java that runs a service, and writing Java argument files.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_JAVA_HOME, DYNAMODB_LOCAL_VERSION } from './config.mjs';
import { ServiceError } from './errors.mjs';
import { readText } from './files.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */

/**
 * Java major version from a JDK `release` file (JAVA_VERSION="17.0.15") or from
 * `java -version` output (openjdk version "17.0.15" 2025-04-15, java version "1.8.0_402").
 * @param {string} text @returns {number|undefined}
 */
export function parseJavaMajor(text) {
  const m = /(?:JAVA_VERSION=|version\s+)"(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  if (first === 1 && m[2] !== undefined) return Number(m[2]);
  return first;
}

/**
 * Why a Java major version cannot run the service, or undefined when it can.
 * Cassandra 5.0 supports Java 11 and 17 only (it installs a SecurityManager, which JDK 24
 * removed, and 18+ refuse it without extra flags). DynamoDB Local 3.x needs Java 17+.
 * @param {ServiceName} service @param {number} major
 */
export function javaProblem(service, major) {
  if (service === 'cassandra') {
    if (major >= 24) return 'which cannot run Cassandra 5.0 (it installs a SecurityManager, which JDK 24 removed; it needs Java 17)';
    if (major !== 17 && major !== 11) return 'which Cassandra 5.0 does not support (it needs Java 17, or 11)';
    return undefined;
  }
  if (major < 17) return `which is too old for DynamoDB Local ${DYNAMODB_LOCAL_VERSION} (it needs Java 17+)`;
  return undefined;
}

/**
 * The java binary for a service: $CASS2DDB_JAVA_HOME, else $JAVA_HOME, else the Debian
 * Java 17. Throws a ServiceError naming the variable to change when it cannot run the service.
 * @param {ServiceName} service
 */
export function resolveJava(service) {
  const env = process.env;
  const [varName, fromEnv] = env.CASS2DDB_JAVA_HOME?.trim()
    ? ['CASS2DDB_JAVA_HOME', env.CASS2DDB_JAVA_HOME.trim()]
    : ['JAVA_HOME', env.JAVA_HOME?.trim() || undefined];
  const home = fromEnv || DEFAULT_JAVA_HOME;
  const where = fromEnv ? `${varName}=${home}` : `${home} (JAVA_HOME is not set)`;
  const bin = path.join(home, 'bin', 'java');
  if (!fs.existsSync(bin)) {
    throw new ServiceError(
      `Java 17 not found: no ${bin} (looked at ${where}); install openjdk-17-jre-headless or point JAVA_HOME (or CASS2DDB_JAVA_HOME) at a Java 17`,
    );
  }
  let major = parseJavaMajor(readText(path.join(home, 'release')) ?? '');
  if (major === undefined) {
    const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
    major = parseJavaMajor(`${r.stderr ?? ''}${r.stdout ?? ''}`);
  }
  if (major === undefined) throw new ServiceError(`cannot tell the Java version of ${bin} (looked at ${where})`);
  const problem = javaProblem(service, major);
  if (problem) {
    const fix = fromEnv
      ? `unset ${varName} (the default is ${DEFAULT_JAVA_HOME}) or point it at a Java 17`
      : 'point JAVA_HOME (or CASS2DDB_JAVA_HOME) at a Java 17';
    throw new ServiceError(`${service}: ${where} is Java ${major}, ${problem}; ${fix}`);
  }
  return { home, bin, major };
}

/** @typedef {ReturnType<typeof resolveJava>} Java */

/**
 * Lines of a Java @argfile: arguments with whitespace, quotes, '#' or backslashes are
 * double-quoted with backslash escapes.
 * @param {string[]} args
 */
export function toArgFile(args) {
  return (
    args
      .map((a) => (/[\s"'#\\]/.test(a) ? `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : a))
      .join('\n') + '\n'
  );
}

/**
 * Arguments of a jvm*.options file: comments and blank lines dropped, and a line such as
 * `--add-opens java.base/java.io=ALL-UNNAMED` split into its two arguments.
 * @param {string} text
 */
export function parseJvmOptions(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('-'))
    .flatMap((l) => l.split(/\s+/));
}
