/**
 * `events`: a time series with a composite partition key (tenant_id, day) and two clustering
 * columns (ts DESC, seq ASC), the shape that exercises composite-key encoding in DynamoDB.
 */
import cassandra from 'cassandra-driver';
import { Rng } from '../random.js';
import { EVENT_TYPES, UNICODE_SAMPLES } from '../words.js';
import { cqlIdent, type GenerateOptions, type PopulateModel, type RowWrite } from '../model.js';

const { Uuid, LocalDate, BigDecimal, Long, InetAddress } = cassandra.types;

export const EVENTS_TENANTS = 50;
/** Days covered, counted back from 2026-01-01. */
export const EVENTS_DAYS = 30;
const FIRST_DAY_MS = Date.UTC(2026, 0, 1) - EVENTS_DAYS * 86_400_000;

export const eventsModel: PopulateModel = {
  name: 'events',
  defaultTable: 'events',
  summary: 'PRIMARY KEY ((tenant_id, day), ts, seq), clustering ts DESC, seq ASC; decimal, bigint, inet, map',
  schema(keyspace, table) {
    return [
      `CREATE TABLE IF NOT EXISTS ${cqlIdent(keyspace)}.${cqlIdent(table)} (
        tenant_id text,
        day date,
        ts timestamp,
        seq int,
        event_type text,
        user_id uuid,
        amount decimal,
        duration_ms bigint,
        source_ip inet,
        attrs map<text, text>,
        PRIMARY KEY ((tenant_id, day), ts, seq)
      ) WITH CLUSTERING ORDER BY (ts DESC, seq ASC)`,
    ];
  },
  tables(table) {
    return [table];
  },
  statements(keyspace, table) {
    return [
      { cql: `INSERT INTO ${cqlIdent(keyspace)}.${cqlIdent(table)} (tenant_id, day, ts, seq, event_type, user_id, amount, duration_ms, source_ip, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, idempotent: true },
    ];
  },
  generate(seed: number, index: number, options: GenerateOptions): RowWrite[] {
    const rng = new Rng(seed, index);
    const tenant = `tenant-${String(rng.int(0, EVENTS_TENANTS - 1)).padStart(3, '0')}`;
    const dayOffset = rng.int(0, EVENTS_DAYS - 1);
    const dayStartMs = FIRST_DAY_MS + dayOffset * 86_400_000;
    const day = LocalDate.fromDate(new Date(dayStartMs));
    const ts = new Date(dayStartMs + rng.int(0, 86_399_999));
    // seq = index makes the primary key unique whatever the random parts are.
    const seq = index;
    const eventType = rng.pick(EVENT_TYPES);
    const userId = Uuid.fromString(rng.uuid());
    const amount = eventType === 'purchase' || eventType === 'refund'
      ? BigDecimal.fromString(`${eventType === 'refund' ? '-' : ''}${rng.int(0, 99_999)}.${String(rng.int(0, 99)).padStart(2, '0')}`)
      : null;
    const durationMs = Long.fromNumber(rng.int(1, 3_600_000));
    const ip = rng.bool(0.8)
      ? InetAddress.fromString(`10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`)
      : InetAddress.fromString(`2001:db8::${rng.int(1, 0xffff).toString(16)}`);
    const attrs: Record<string, string> = { ua: rng.pick(['ios', 'android', 'web', 'api']) };
    if (rng.bool(0.3)) attrs.campaign = `c-${rng.word(4, 8)}`;
    const edge = options.edgeEvery > 0 && index % options.edgeEvery === 0;
    if (edge) attrs.note = rng.pick(UNICODE_SAMPLES);
    const params = [tenant, day, ts, seq, eventType, userId, amount, durationMs, ip, attrs];
    return [{ statement: 0, params }];
  },
};
