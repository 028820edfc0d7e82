#!/usr/bin/env node
// Installs, starts, checks, tails and stops a real local Apache Cassandra 5.0 and a
// real DynamoDB Local, both from Maven Central, both on Java 17.
//
//   node scripts/services.mjs <up|status|down|logs|install> [cassandra|dynamodb|all] [-f] [--nodes N]
//   node scripts/services.mjs <stop-node|start-node> <i> [--kill]
//   node scripts/services.mjs <up|status|down|logs> --secure [-f]
//
// --nodes 3: a local cluster of three Cassandra nodes on 127.0.0.2, .3 and .4 (same ports as
// the single node, which keeps 127.0.0.1), under <services dir>/cluster/node1..3, beside the
// single node; stop-node / start-node stop (or kill) and restart one of them for fault tests.
// --secure: one node with PasswordAuthenticator and client-to-node TLS that requires a client
// certificate, on 127.0.0.5 (same ports), under <services dir>/secure, with a throw-away CA,
// server and client certificate made by openssl at each start (<services dir>/secure/certs).
//
// Also a module: ensureServices(), servicesStatus(), stopServices() (test global setup);
// ensureCluster(), clusterState(), stopCluster(), stopNode(), startNode() (cluster tests);
// ensureSecureNode(), secureNodeState(), stopSecureNode() (security tests); and
// the pure helpers test/unit/services-config.test.ts checks. Types: services.d.mts.
// Only node: built-ins plus the project's cassandra-driver and @aws-sdk/client-dynamodb
// (both imported lazily, only when a readiness probe runs).
//
// Environment: CASSANDRA_PORT (9042), CASSANDRA_STORAGE_PORT (7000), DYNAMODB_PORT (8000),
// JAVA_HOME (a Java 17; default /usr/lib/jvm/java-17-openjdk-amd64; CASS2DDB_JAVA_HOME wins over it),
// CASS2DDB_SERVICES_DIR (<repo>/.services), CASS2DDB_CACHE_DIR (<repo>/.cache),
// CASSANDRA_START_TIMEOUT (seconds, 180), CASSANDRA_HEAP (1g), CASSANDRA_JMX_PORT (unset:
// no JMX); for the cluster CASSANDRA_CLUSTER_ADDRESS (127.0.0.2: node1's address, node i the
// next ones), CASSANDRA_CLUSTER_PORT (9042), CASSANDRA_CLUSTER_STORAGE_PORT (7000),
// CASSANDRA_CLUSTER_HEAP (512m per node); for the secure node CASSANDRA_SECURE_ADDRESS (127.0.0.5),
// CASSANDRA_SECURE_PORT (9042), CASSANDRA_SECURE_STORAGE_PORT (7000), CASSANDRA_SECURE_HEAP (512m).
//
// The parts, in scripts/services/ (each imports only those above it):
//   errors.mjs, time.mjs, files.mjs   ServiceError; sleep; reading files, log tails, PATH lookup
//   config.mjs                        versions, constants, environment, paths per service
//   java.mjs                          which Java runs a service; Java argument files
//   process.mjs                       port checks, pid files, locks, spawn detached, terminate
//   maven.mjs                         downloading the jars into the cache (`install`)
//   cassandra.mjs, dynamodb.mjs       config files, command lines and readiness probes
//   state.mjs                         a service's state: pid file + probe
//   progress.mjs, logs.mjs            waiting dots; start-up log excerpts and `logs [-f]`
//   start.mjs, stop.mjs               `up` and `down` for one service
//   cluster-config.mjs                the cluster's addresses, ports, heap and paths per node
//   cluster-node.mjs                  one node: yaml, JVM args, probe with gossip view, start, stop
//   cluster-ring.mjs                  ring state: every node UN in every node's view
//   cluster-start.mjs, cluster.mjs    `up --nodes N` / start-node; status, down, stop-node
//   secure-config.mjs, secure-certs.mjs  the secure node's address, paths; its CA and certificates
//   secure-node.mjs                   the secure node: yaml, TLS + login probe, up, status, down
//   api.mjs                           ensureServices / servicesStatus / stopServices, ensureCluster ...
//   cli.mjs                           argument parsing, output, exit status

import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runCli } from './services/cli.mjs';

export {
  CASSANDRA_MAIN_CLASS,
  CASSANDRA_VERSION,
  DEFAULT_JAVA_HOME,
  DYNAMODB_LOCAL_VERSION,
  DYNAMODB_MAIN_CLASS,
  LOCAL_DATA_CENTER,
  MAVEN_DEPENDENCY_PLUGIN,
  parsePort,
} from './services/config.mjs';
export { ServiceError } from './services/errors.mjs';
export { lastLines } from './services/files.mjs';
export { javaProblem, parseJavaMajor, parseJvmOptions, toArgFile } from './services/java.mjs';
export { renderPom } from './services/maven.mjs';
export { cassandraDataIdentity, renderTemplate } from './services/cassandra.mjs';
export { ensureServices, servicesStatus, stopServices } from './services/api.mjs';
export { clusterState, ensureCluster, startNode, stopCluster, stopNode } from './services/api.mjs';
export { CLUSTER_NAME, nodeAddress, parseNodeCount } from './services/cluster-config.mjs';
export { ensureSecureNode, secureNodeState, stopSecureNode } from './services/api.mjs';

const isEntryPoint = (() => {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();

if (isEntryPoint) runCli(process.argv.slice(2));
