import { describe, expect, it } from 'vitest';
import { replicationCql } from '../../src/cassandra/replication.js';

describe('replicationCql', () => {
  it('turns a number into SimpleStrategy', () => {
    expect(replicationCql('3')).toBe("{'class': 'SimpleStrategy', 'replication_factor': 3}");
  });
  it('turns dc:N pairs into NetworkTopologyStrategy', () => {
    expect(replicationCql('dc1:3, dc-2:2')).toBe("{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc-2': 2}");
  });
  it('passes a CQL map through', () => {
    const map = "{'class': 'NetworkTopologyStrategy', 'datacenter1': 1}";
    expect(replicationCql(map)).toBe(map);
  });
  it('rejects nonsense with a message naming the accepted forms', () => {
    expect(() => replicationCql('three')).toThrow(/expected N, dc:N/);
    expect(() => replicationCql('0')).toThrow(/between 1 and 100/);
    expect(() => replicationCql("{'replication_factor': 1}")).toThrow(/'class'/);
  });
});
