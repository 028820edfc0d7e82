/**
 * `users`: the seed tool's user model (id uuid primary key, name, email), enriched with the
 * columns a real user table carries.
 */
import cassandra from 'cassandra-driver';
import { Rng } from '../random.js';
import { EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, PREF_KEYS, PREF_VALUES, TAGS } from '../words.js';
import { cqlIdent, type GenerateOptions, type PopulateModel, type RowWrite } from '../model.js';

const { Uuid } = cassandra.types;

/** 2015-01-01 .. 2026-01-01 in ms: a plausible sign-up window. */
const CREATED_FROM_MS = Date.UTC(2015, 0, 1);
const CREATED_TO_MS = Date.UTC(2026, 0, 1);

export const usersModel: PopulateModel = {
  name: 'users',
  defaultTable: 'users',
  summary: 'id uuid primary key, name, email, age, created_at, tags set<text>, prefs map<text,text>',
  schema(keyspace, table) {
    return [
      `CREATE TABLE IF NOT EXISTS ${cqlIdent(keyspace)}.${cqlIdent(table)} (
        id uuid PRIMARY KEY,
        name text,
        email text,
        age int,
        created_at timestamp,
        tags set<text>,
        prefs map<text, text>
      )`,
    ];
  },
  tables(table) {
    return [table];
  },
  statements(keyspace, table) {
    return [
      { cql: `INSERT INTO ${cqlIdent(keyspace)}.${cqlIdent(table)} (id, name, email, age, created_at, tags, prefs) VALUES (?, ?, ?, ?, ?, ?, ?)`, idempotent: true },
    ];
  },
  generate(seed: number, index: number, options: GenerateOptions): RowWrite[] {
    const rng = new Rng(seed, index);
    const id = Uuid.fromString(rng.uuid());
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const name = `${first} ${last}`;
    const local = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    const email = `${local}${index}@${rng.pick(EMAIL_DOMAINS)}`;
    const age = rng.int(13, 99);
    const createdAt = new Date(rng.int(CREATED_FROM_MS, CREATED_TO_MS));
    const tagCount = rng.int(0, 4);
    const tags = new Set<string>();
    for (let i = 0; i < tagCount; i++) tags.add(rng.pick(TAGS));
    const prefs: Record<string, string> = {};
    const prefCount = rng.int(0, 3);
    for (let i = 0; i < prefCount; i++) {
      const key = rng.pick(PREF_KEYS);
      prefs[key] = rng.pick(PREF_VALUES[key] ?? ['on']);
    }
    const edge = options.edgeEvery > 0 && index % options.edgeEvery === 0;
    // Edge rows: no age, no tags, no prefs (nulls and empty collections), an empty name.
    const params = edge
      ? [id, '', email, null, createdAt, null, null]
      : [id, name, email, age, createdAt, tags.size > 0 ? [...tags] : null, prefCount > 0 ? prefs : null];
    return [{ statement: 0, params }];
  },
};
