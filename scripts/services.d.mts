// Types for scripts/services.mjs (plain ESM, no build step), so TypeScript callers such as
// test/global-setup.ts and test/unit/services-config.test.ts type-check under `strict`.
// services.mjs only re-exports: the code is in scripts/services/ (config.mjs: versions and
// parsePort; java.mjs: parseJavaMajor, javaProblem, toArgFile, parseJvmOptions; maven.mjs:
// renderPom; cassandra.mjs: renderTemplate, cassandraDataIdentity; files.mjs: lastLines;
// state.mjs: ServiceState; api.mjs: ensureServices, servicesStatus, stopServices).

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

// Pure helpers (exported for unit tests).
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
