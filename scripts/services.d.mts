// Types for scripts/services.mjs (plain ESM, no build step), so TypeScript callers such as
// test/global-setup.ts and test/unit/services-config.test.ts type-check under `strict`.
// services.mjs only re-exports: the code is in scripts/services/ (config.mjs: versions and
// parsePort; java.mjs: parseJavaMajor, javaProblem, toArgFile, parseJvmOptions; maven.mjs:
// renderPom; cassandra.mjs: renderTemplate, cassandraDataIdentity; files.mjs: lastLines;
// state.mjs: ServiceState; api.mjs: ensureServices, servicesStatus, stopServices, and the
// cluster's ensureCluster, clusterState, stopCluster, stopNode, startNode, and the secured
// node's ensureSecureNode, secureNodeState, stopSecureNode).

export declare const CASSANDRA_VERSION: string;
export declare const DYNAMODB_LOCAL_VERSION: string;
export declare const MAVEN_DEPENDENCY_PLUGIN: string;
export declare const DEFAULT_JAVA_HOME: string;
export declare const CASSANDRA_MAIN_CLASS: string;
export declare const DYNAMODB_MAIN_CLASS: string;
export declare const LOCAL_DATA_CENTER: string;

export declare class ServiceError extends Error {
  constructor(message: string, details?: string);
  details: string | undefined;
}

export type ServiceName = 'cassandra' | 'dynamodb';

export interface ServiceState {
  name: ServiceName;
  /** ready: answers; starting: our pid alive, not answering yet; foreign: port taken by something else. */
  state: 'ready' | 'starting' | 'down' | 'foreign';
  pid?: number;
  port: number;
  version?: string;
  detail?: string;
}

export interface ServiceAddresses {
  cassandra: { host: string; port: number; contactPoint: string; localDataCenter: string };
  dynamodb: {
    endpoint: string;
    port: number;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
}

export declare function ensureServices(options?: {
  cassandra?: boolean;
  dynamodb?: boolean;
  log?: (message: string) => void;
}): Promise<ServiceAddresses>;

export declare function servicesStatus(): Promise<{ cassandra: ServiceState; dynamodb: ServiceState }>;

export declare function stopServices(options?: {
  cassandra?: boolean;
  dynamodb?: boolean;
  log?: (message: string) => void;
}): Promise<string[]>;

// The local multi-node cluster (`--nodes N`; scripts/services/cluster*.mjs).

export declare const CLUSTER_NAME: string;

export interface ClusterAddresses {
  clusterName: string;
  /** The native port, the same on every node's address. */
  port: number;
  /** `address:port` of nodes 1..N. */
  contactPoints: string[];
  localDataCenter: string;
  nodes: { index: number; name: string; address: string; log: string }[];
}

export interface ClusterNodeState {
  index: number;
  name: string;
  address: string;
  port: number;
  /** ready: answers CQL as a node of the cluster; starting: our pid alive, not answering yet. */
  state: 'ready' | 'starting' | 'down' | 'foreign';
  pid?: number;
  startedAt?: string;
  version?: string;
  rssBytes?: number;
  /** The node's gossip view: every endpoint it knows with its gossip status (NORMAL, shutdown, ...). */
  members?: { address: string; status: string }[];
  detail?: string;
}

/** Start (or reuse) the cluster; resolves once every node is UN in every node's view. */
export declare function ensureCluster(options?: { nodes?: number; log?: (message: string) => void }): Promise<ClusterAddresses>;

export declare function clusterState(options?: {
  nodes?: number;
}): Promise<{ ready: boolean; lines: string[]; nodes: ClusterNodeState[] }>;

export declare function stopCluster(options?: { log?: (message: string) => void }): Promise<string[]>;

/** Stop node i (SIGTERM; kill: SIGKILL, a crash); resolves once its process is gone. */
export declare function stopNode(i: number, options?: { kill?: boolean; log?: (message: string) => void }): Promise<string>;

/** Start node i again; resolves once it and the running nodes see each other NORMAL. */
export declare function startNode(i: number, options?: { log?: (message: string) => void }): Promise<void>;

// The local secured node (`--secure`; scripts/services/secure-*.mjs): PasswordAuthenticator and
// client-to-node TLS that requires a client certificate, with a throw-away CA made at each start.

export interface SecureNodeAddresses {
  /** The node's address (CASSANDRA_SECURE_ADDRESS, 127.0.0.5); its certificate lists this IP only. */
  host: string;
  port: number;
  /** `host:port`. */
  contactPoint: string;
  localDataCenter: string;
  /** PEM CA certificate that signed the node's and the client's certificates. */
  caFile: string;
  /** PEM client certificate and its unencrypted private key (mode 0600). */
  clientCertFile: string;
  clientKeyFile: string;
  /** Cassandra's default superuser (cassandra/cassandra). */
  superuser: { username: string; password: string };
  /** The node's system.log. */
  log: string;
}

export interface SecureNodeState {
  name: 'secure';
  address: string;
  port: number;
  /** ready: the superuser logs in over TLS; starting: our pid alive, not answering yet. */
  state: 'ready' | 'starting' | 'down' | 'foreign';
  pid?: number;
  startedAt?: string;
  version?: string;
  detail?: string;
}

/** Start (or reuse) the secured node; resolves once the superuser logs in over TLS with the client certificate. */
export declare function ensureSecureNode(options?: { log?: (message: string) => void }): Promise<SecureNodeAddresses>;

export declare function secureNodeState(): Promise<{ ready: boolean; line: string; state: SecureNodeState }>;

export declare function stopSecureNode(options?: { log?: (message: string) => void }): Promise<string>;

// Pure helpers (exported for unit tests).
export declare function nodeAddress(first: string, i: number): string;
export declare function parseNodeCount(text: string | undefined): number;
export declare function renderTemplate(template: string, vars: Record<string, string | number>): string;
export declare function parseJavaMajor(text: string): number | undefined;
export declare function javaProblem(service: ServiceName, major: number): string | undefined;
export declare function cassandraDataIdentity(yaml: string): {
  cluster_name: string;
  num_tokens: string;
  partitioner: string;
  storage_port: string;
};
export declare function toArgFile(args: string[]): string;
export declare function parseJvmOptions(text: string): string[];
export declare function lastLines(text: string, n: number, dropStackFrames?: boolean): string;
export declare function renderPom(spec: {
  artifactId: string;
  deps: { groupId: string; artifactId: string; version: string }[];
}): string;
export declare function parsePort(value: string | undefined, def: number, name: string): number;
