// The local secured Cassandra node (`--secure`): its address, ports, heap and every path, from
// the environment.
//
// It binds CASSANDRA_SECURE_ADDRESS (127.0.0.5) with the usual native and storage ports: the
// single node keeps 127.0.0.1 and the cluster 127.0.0.2-4, so all three can run at once.
//
// Environment (read on every call, validated):
//   CASSANDRA_SECURE_ADDRESS (127.0.0.5)
//   CASSANDRA_SECURE_PORT (9042), CASSANDRA_SECURE_STORAGE_PORT (7000)
//   CASSANDRA_SECURE_HEAP (512m)
//   CASSANDRA_START_TIMEOUT (seconds, 180), as for the single node

import net from 'node:net';
import path from 'node:path';
import { cassandraHome, config, parsePort } from './config.mjs';
import { ServiceError } from './errors.mjs';

export const SECURE_CLUSTER_NAME = 'cass2ddb-secure';
/** Cassandra's default superuser, created by CassandraRoleManager on the first start. */
export const SUPERUSER = Object.freeze({ username: 'cassandra', password: 'cassandra' });

/** Settings and paths of the secure node. */
export function secureConfig() {
  const base = config();
  const env = process.env;
  const address = env.CASSANDRA_SECURE_ADDRESS || '127.0.0.5';
  if (!net.isIPv4(address) || !address.startsWith('127.')) {
    throw new ServiceError(`CASSANDRA_SECURE_ADDRESS=${address} is not a loopback IPv4 address (127.x.y.z)`);
  }
  const heap = env.CASSANDRA_SECURE_HEAP || '512m';
  if (!/^\d+[kmg]$/i.test(heap)) throw new ServiceError(`CASSANDRA_SECURE_HEAP=${heap} is not a Java heap size (e.g. 512m, 1g)`);
  const home = path.join(base.servicesDir, 'secure');
  const certs = path.join(home, 'certs');
  return {
    base,
    name: 'secure',
    address,
    nativePort: parsePort(env.CASSANDRA_SECURE_PORT, 9042, 'CASSANDRA_SECURE_PORT'),
    storagePort: parsePort(env.CASSANDRA_SECURE_STORAGE_PORT, 7000, 'CASSANDRA_SECURE_STORAGE_PORT'),
    heap,
    timeoutMs: base.cassandraTimeoutMs,
    marker: '-Dcass2ddb.service=cassandra-secure',
    home,
    ...cassandraHome(home),
    pidFile: path.join(home, 'cassandra.pid'),
    lockFile: path.join(home, 'secure.lock'),
    certs: {
      dir: certs,
      caKey: path.join(certs, 'ca.key'),
      ca: path.join(certs, 'ca.pem'),
      /** The node's private key and certificate in one PEM file (Cassandra's PEM keystore). */
      serverKeystore: path.join(certs, 'server-keystore.pem'),
      serverCert: path.join(certs, 'server.pem'),
      clientCert: path.join(certs, 'client.pem'),
      clientKey: path.join(certs, 'client.key'),
    },
  };
}

/** @typedef {ReturnType<typeof secureConfig>} SecureConfig */
