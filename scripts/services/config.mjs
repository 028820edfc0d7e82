// Pinned versions, constants, the environment and every path the services use.
//
// Environment (read on every call to config(), so tests may change it):
//   CASSANDRA_PORT (9042), CASSANDRA_STORAGE_PORT (7000), DYNAMODB_PORT (8000),
//   CASSANDRA_START_TIMEOUT (seconds, 180), CASSANDRA_HEAP (1g), CASSANDRA_JMX_PORT (unset: no JMX),
//   CASS2DDB_SERVICES_DIR (<repo>/.services: pid files, locks, config, data, logs),
//   CASS2DDB_CACHE_DIR (<repo>/.cache: downloaded jars).
// Java is chosen in java.mjs (CASS2DDB_JAVA_HOME, JAVA_HOME).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceError } from './errors.mjs';

/** Newest 5.0.x on Maven Central when this was written. */
export const CASSANDRA_VERSION = '5.0.9';
/**
 * DynamoDB Local from Maven Central. 3.3.1 exists but depends on AWS SDK 2.48.3 modules
 * (cognitoidentity, pinpoint, dynamodb-enhanced) that the registry mirror reachable here
 * does not serve; 3.1.0 (SDK 2.33.0) resolves completely.
 */
export const DYNAMODB_LOCAL_VERSION = '3.1.0';
export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
export const DEFAULT_JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';
export const CASSANDRA_MAIN_CLASS = 'org.apache.cassandra.service.CassandraDaemon';
export const DYNAMODB_MAIN_CLASS = 'software.amazon.dynamodb.services.local.main.ServerRunner';
export const LOCAL_DATA_CENTER = 'datacenter1';
/** Both services are reached on loopback only (DynamoDB Local listens on every interface). */
export const HOST = '127.0.0.1';

/** scripts/ (this file is scripts/services/config.mjs). */
const SCRIPTS_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const REPO_ROOT = path.dirname(SCRIPTS_DIR);
/** cassandra.yaml template, jvm17-server.options and logback.xml. */
export const CASSANDRA_ASSETS = path.join(SCRIPTS_DIR, 'cassandra');

/** @typedef {'cassandra'|'dynamodb'} ServiceName */

/** Parse a port from the environment. @param {string|undefined} value @param {number} def @param {string} name */
export function parsePort(value, def, name) {
  if (value === undefined || value === '') return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ServiceError(`${name}=${value} is not a TCP port (1-65535)`);
  return n;
}

/** Settings from the environment, validated (a bad port is a ServiceError). */
export function config() {
  const env = process.env;
  const servicesDir = path.resolve(env.CASS2DDB_SERVICES_DIR || path.join(REPO_ROOT, '.services'));
  const cacheDir = path.resolve(env.CASS2DDB_CACHE_DIR || path.join(REPO_ROOT, '.cache'));
  const timeout = Number(env.CASSANDRA_START_TIMEOUT || 180);
  return {
    servicesDir,
    cacheDir,
    cassandraPort: parsePort(env.CASSANDRA_PORT, 9042, 'CASSANDRA_PORT'),
    storagePort: parsePort(env.CASSANDRA_STORAGE_PORT, 7000, 'CASSANDRA_STORAGE_PORT'),
    jmxPort: env.CASSANDRA_JMX_PORT ? parsePort(env.CASSANDRA_JMX_PORT, 7199, 'CASSANDRA_JMX_PORT') : undefined,
    dynamodbPort: parsePort(env.DYNAMODB_PORT, 8000, 'DYNAMODB_PORT'),
    cassandraHeap: env.CASSANDRA_HEAP || '1g',
    cassandraTimeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 180) * 1000,
    dynamodbTimeoutMs: 60_000,
  };
}

/** @typedef {ReturnType<typeof config>} Config */

/**
 * What each service is: `marker` is a string its java command line contains (to tell our
 * pid from a reused one), `deps` the Maven artifacts whose runtime closure is its classpath.
 */
export const SERVICES = /** @type {const} */ ({
  cassandra: {
    label: 'Cassandra',
    version: CASSANDRA_VERSION,
    cacheName: `cassandra-${CASSANDRA_VERSION}`,
    marker: CASSANDRA_MAIN_CLASS,
    deps: [{ groupId: 'org.apache.cassandra', artifactId: 'cassandra-all', version: CASSANDRA_VERSION }],
  },
  dynamodb: {
    label: 'DynamoDB Local',
    version: DYNAMODB_LOCAL_VERSION,
    cacheName: `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`,
    marker: DYNAMODB_MAIN_CLASS,
    deps: [{ groupId: 'software.amazon.dynamodb', artifactId: 'DynamoDBLocal', version: DYNAMODB_LOCAL_VERSION }],
  },
});

/**
 * Where a Cassandra node under `home` keeps its configuration, data and logs (the single node,
 * each cluster node and the secured node alike). @param {string} home
 */
export function cassandraHome(home) {
  return {
    conf: path.join(home, 'conf'),
    yaml: path.join(home, 'conf', 'cassandra.yaml'),
    argFile: path.join(home, 'conf', 'jvm.args'),
    identity: path.join(home, 'data-identity.json'),
    data: path.join(home, 'data'),
    logDir: path.join(home, 'logs'),
    log: path.join(home, 'logs', 'system.log'),
    output: path.join(home, 'logs', 'output.log'),
  };
}

/** @param {Config} cfg @param {ServiceName} name */
export function paths(cfg, name) {
  const cache = path.join(cfg.cacheDir, SERVICES[name].cacheName);
  const home = path.join(cfg.servicesDir, name);
  const common = {
    cache,
    lib: path.join(cache, 'lib'),
    native: path.join(cache, 'native'),
    pom: path.join(cache, 'pom.xml'),
    mavenLog: path.join(cache, 'maven.log'),
    complete: path.join(cache, '.complete'),
    home,
    pidFile: path.join(cfg.servicesDir, `${name}.pid`),
    lockFile: path.join(cfg.servicesDir, `${name}.lock`),
    installLock: path.join(cfg.cacheDir, `${SERVICES[name].cacheName}.lock`),
  };
  if (name === 'cassandra') {
    return {
      ...common,
      ...cassandraHome(home),
    };
  }
  return {
    ...common,
    conf: home,
    yaml: '',
    argFile: path.join(home, 'jvm.args'),
    identity: '',
    data: home,
    logDir: home,
    log: path.join(home, 'dynamodb.log'),
    output: path.join(home, 'dynamodb.log'),
  };
}

/** @typedef {ReturnType<typeof paths>} Paths */

/** The client port of a service. @param {Config} cfg @param {ServiceName} name */
export function servicePort(cfg, name) {
  return name === 'cassandra' ? cfg.cassandraPort : cfg.dynamodbPort;
}

/** The environment variable that sets a service's client port. @param {ServiceName} name */
export function portVariable(name) {
  return name === 'cassandra' ? 'CASSANDRA_PORT' : 'DYNAMODB_PORT';
}
