import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CASSANDRA_VERSION,
  ServiceError,
  cassandraDataIdentity,
  javaProblem,
  lastLines,
  parseJavaMajor,
  parseJvmOptions,
  parsePort,
  renderPom,
  renderTemplate,
  toArgFile,
} from '../../scripts/services.mjs';

const asset = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../scripts/cassandra/${name}`, import.meta.url)), 'utf8');

describe('renderTemplate', () => {
  it('fills every placeholder, repeatedly', () => {
    expect(renderTemplate('a={{A}} b={{B_2}} a={{A}}', { A: 1, B_2: 'x' })).toBe('a=1 b=x a=1');
  });

  it('refuses a placeholder without a value', () => {
    expect(() => renderTemplate('{{MISSING}}', {})).toThrow(/MISSING/);
  });
});

describe('cassandra.yaml template', () => {
  const yaml = renderTemplate(asset('cassandra.yaml.template'), {
    NATIVE_PORT: 19042,
    STORAGE_PORT: 17000,
    DATA_DIR: '/srv/svc/cassandra/data',
  });

  it('renders with the ports and directories filled in and nothing left over', () => {
    expect(yaml).not.toMatch(/\{\{/);
    expect(yaml).toMatch(/^native_transport_port: 19042$/m);
    expect(yaml).toMatch(/^storage_port: 17000$/m);
    expect(yaml).toContain('seeds: "127.0.0.1:17000"');
    expect(yaml).toMatch(/^commitlog_directory: \/srv\/svc\/cassandra\/data\/commitlog$/m);
    expect(yaml).toMatch(/^ {2}- \/srv\/svc\/cassandra\/data\/data$/m);
  });

  it('is a single-node, loopback-only, test-friendly configuration', () => {
    for (const line of [
      'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
      'endpoint_snitch: SimpleSnitch',
      'listen_address: 127.0.0.1',
      'rpc_address: 127.0.0.1',
      'num_tokens: 16',
      'commitlog_sync: periodic',
      'auto_snapshot: false',
      'user_defined_functions_enabled: false',
      'batch_size_fail_threshold: 1000KiB',
      'read_request_timeout: 20000ms',
    ]) {
      expect(yaml).toMatch(new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
  });

  it('yields the identity that decides when the data folder is wiped', () => {
    expect(cassandraDataIdentity(yaml)).toEqual({
      cluster_name: 'cass2ddb-local',
      num_tokens: '16',
      partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
      storage_port: '17000',
    });
  });
});

describe('cassandraDataIdentity', () => {
  it('reads quoted and unquoted values and ignores comments', () => {
    const id = cassandraDataIdentity(
      `cluster_name: "Test Cluster" # a comment\nnum_tokens: 4\npartitioner: x.Y\nstorage_port: 7000\n`,
    );
    expect(id).toEqual({ cluster_name: 'Test Cluster', num_tokens: '4', partitioner: 'x.Y', storage_port: '7000' });
  });
});

describe('parseJavaMajor', () => {
  it('reads a JDK release file', () => {
    expect(parseJavaMajor('IMPLEMENTOR="Debian"\nJAVA_VERSION="17.0.15"\n')).toBe(17);
    expect(parseJavaMajor('JAVA_VERSION="25"\n')).toBe(25);
  });

  it('reads java -version output, old and new style', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(parseJavaMajor('openjdk version "25" 2025-09-16')).toBe(25);
    expect(parseJavaMajor('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaMajor('openjdk version "11.0.22" 2024-01-16')).toBe(11);
  });

  it('returns undefined on text without a version', () => {
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });
});

describe('javaProblem', () => {
  it('accepts Java 17 (and 11) for Cassandra 5.0', () => {
    expect(javaProblem('cassandra', 17)).toBeUndefined();
    expect(javaProblem('cassandra', 11)).toBeUndefined();
  });

  it('refuses Java 24+ for Cassandra, naming the SecurityManager', () => {
    expect(javaProblem('cassandra', 25)).toMatch(/SecurityManager/);
    expect(javaProblem('cassandra', 21)).toMatch(/Java 17/);
    expect(javaProblem('cassandra', 8)).toMatch(/Java 17/);
  });

  it('accepts Java 17+ for DynamoDB Local', () => {
    expect(javaProblem('dynamodb', 17)).toBeUndefined();
    expect(javaProblem('dynamodb', 25)).toBeUndefined();
    expect(javaProblem('dynamodb', 11)).toMatch(/17/);
  });
});

describe('parseJvmOptions', () => {
  it('drops comments and splits two-word options', () => {
    expect(parseJvmOptions('# c\n\n-Xss256k\n  --add-opens java.base/java.io=ALL-UNNAMED\nnot-an-option\n')).toEqual([
      '-Xss256k',
      '--add-opens',
      'java.base/java.io=ALL-UNNAMED',
    ]);
  });

  it("carries Cassandra 5.0's Java 17 module openings", () => {
    const opts = parseJvmOptions(asset('jvm17-server.options'));
    const pairs = new Set(opts.map((o, i) => `${o} ${opts[i + 1] ?? ''}`));
    expect(pairs).toContain('--add-opens java.base/java.io=ALL-UNNAMED');
    expect(pairs).toContain('--add-opens java.base/sun.nio.ch=ALL-UNNAMED');
    expect(pairs).toContain('--add-exports jdk.unsupported/sun.misc=ALL-UNNAMED');
    expect(opts).toContain('-XX:+UseG1GC');
    expect(opts).toContain('-Djdk.attach.allowAttachSelf=true');
  });
});

describe('toArgFile', () => {
  it('writes one argument a line, quoting only where needed', () => {
    expect(toArgFile(['-Xmx1g', '-Dp=/a b/c', '-Dq=say "hi"', 'C:\\x'])).toBe(
      '-Xmx1g\n"-Dp=/a b/c"\n"-Dq=say \\"hi\\""\n"C:\\\\x"\n',
    );
  });
});

describe('lastLines', () => {
  it('returns the last n lines without the trailing newline', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc');
    expect(lastLines('a', 5)).toBe('a');
  });

  it('can leave Java stack frames out', () => {
    const log = 'ERROR boom\njava.net.BindException: in use\n\tat a.b(C.java:1)\n\t... 3 more\nnext\n';
    expect(lastLines(log, 3, true)).toBe('ERROR boom\njava.net.BindException: in use\nnext');
  });
});

describe('renderPom', () => {
  it('lists the artifact as a dependency of a pom-packaged throwaway project', () => {
    const pom = renderPom({
      artifactId: 'cassandra-runtime',
      deps: [{ groupId: 'org.apache.cassandra', artifactId: 'cassandra-all', version: CASSANDRA_VERSION }],
    });
    expect(pom).toContain('<packaging>pom</packaging>');
    expect(pom).toContain(`<artifactId>cassandra-all</artifactId>\n      <version>${CASSANDRA_VERSION}</version>`);
    expect(CASSANDRA_VERSION).toMatch(/^5\.0\.\d+$/);
  });
});

describe('parsePort', () => {
  it('defaults, parses and rejects', () => {
    expect(parsePort(undefined, 9042, 'CASSANDRA_PORT')).toBe(9042);
    expect(parsePort('', 9042, 'CASSANDRA_PORT')).toBe(9042);
    expect(parsePort('19042', 9042, 'CASSANDRA_PORT')).toBe(19042);
    expect(() => parsePort('abc', 9042, 'CASSANDRA_PORT')).toThrow(ServiceError);
    expect(() => parsePort('70000', 9042, 'CASSANDRA_PORT')).toThrow(/CASSANDRA_PORT=70000/);
  });
});
