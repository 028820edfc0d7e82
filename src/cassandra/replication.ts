/**
 * `--replication` forms:
 *   `3`                   SimpleStrategy with replication_factor 3
 *   `dc1:3,dc2:2`         NetworkTopologyStrategy with a factor per data centre
 *   `{'class': ...}`      a CQL replication map, passed through as written
 */
export function replicationCql(spec: string): string {
  const s = spec.trim();
  if (/^\d+$/.test(s)) {
    const rf = Number(s);
    if (rf < 1 || rf > 100) throw new RangeError(`replication factor must be between 1 and 100, got ${s}`);
    return `{'class': 'SimpleStrategy', 'replication_factor': ${rf}}`;
  }
  if (s.startsWith('{')) {
    if (!s.endsWith('}') || !/'class'\s*:/.test(s)) throw new RangeError(`a replication map needs 'class' and braces, got ${s}`);
    return s;
  }
  const parts = s.split(',').map((p) => p.trim());
  const entries = parts.map((p) => {
    const m = /^([A-Za-z0-9_.-]+):(\d+)$/.exec(p);
    if (m === null) throw new RangeError(`expected N, dc:N[,dc:N...] or a CQL map, got "${spec}"`);
    return `'${m[1]}': ${Number(m[2])}`;
  });
  return `{'class': 'NetworkTopologyStrategy', ${entries.join(', ')}}`;
}
