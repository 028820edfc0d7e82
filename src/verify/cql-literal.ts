/**
 * Reads back the CQL literal text the mapping writes for frozen collections, tuples and UDTs in
 * keys (mapping/literal.ts): `[1, 2]`, `{'a', 'b'}`, `{'k': 1}`, `(1, 'x', null)`,
 * `{street: 'Main', "Zip": 1}`, `0x0102`. The parse is directed by the column type, so only
 * the shapes literal.ts produces need to be understood (no type hints, no bind markers).
 *
 * Values come back as cassandra-driver binds them: lists and sets → arrays, maps → Map (the
 * client decodes maps as Map, see cassandra/client.ts), tuples → Tuple, UDTs → plain objects,
 * vectors → Vector, blobs → Buffer, scalars as in key-values.ts. Throws TypeError on bad text.
 */
import cassandra from 'cassandra-driver';
import type { CqlType } from '../mapping/cql-type.js';
import { driverValueFromText } from './key-values.js';

const { Tuple, Vector } = cassandra.types;

/** Characters that end an unquoted token (numbers, uuids, booleans, durations, NaN). */
const TOKEN_END = new Set([',', ':', ']', '}', ')', ' ']);
const QUOTED_KINDS: ReadonlySet<string> = new Set(['text', 'varchar', 'ascii', 'timestamp', 'date', 'time', 'inet']);

export function parseCqlLiteral(type: CqlType, text: string): unknown {
  const p = new LiteralParser(text);
  const v = p.value(type);
  p.end();
  return v;
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new TypeError(`bad CQL literal ${JSON.stringify(this.text.length > 200 ? `${this.text.slice(0, 200)}…` : this.text)} at ${this.pos}: ${what}`);
  }

  private spaces(): void {
    while (this.text.charCodeAt(this.pos) === 32) this.pos++;
  }

  private accept(s: string): boolean {
    this.spaces();
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  private expect(s: string): void {
    if (!this.accept(s)) this.fail(`expected '${s}'`);
  }

  end(): void {
    this.spaces();
    if (this.pos !== this.text.length) this.fail('trailing text');
  }

  /** `null` as a whole token. */
  private acceptNull(): boolean {
    this.spaces();
    if (!this.text.startsWith('null', this.pos)) return false;
    const after = this.text[this.pos + 4];
    if (after !== undefined && !TOKEN_END.has(after)) return false;
    this.pos += 4;
    return true;
  }

  private quoted(): string {
    this.expect("'");
    let out = '';
    for (;;) {
      const i = this.text.indexOf("'", this.pos);
      if (i < 0) this.fail('unterminated string');
      out += this.text.slice(this.pos, i);
      this.pos = i + 1;
      if (this.text[this.pos] !== "'") return out;
      out += "'";
      this.pos++;
    }
  }

  private token(): string {
    this.spaces();
    const start = this.pos;
    while (this.pos < this.text.length && !TOKEN_END.has(this.text[this.pos] as string)) this.pos++;
    if (this.pos === start) this.fail('expected a value');
    return this.text.slice(start, this.pos);
  }

  private identifier(): string {
    this.spaces();
    if (this.text[this.pos] === '"') {
      this.pos++;
      let out = '';
      for (;;) {
        const i = this.text.indexOf('"', this.pos);
        if (i < 0) this.fail('unterminated identifier');
        out += this.text.slice(this.pos, i);
        this.pos = i + 1;
        if (this.text[this.pos] !== '"') return out;
        out += '"';
        this.pos++;
      }
    }
    const m = /[a-z_][a-z0-9_]*/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.text);
    if (r === null) this.fail('expected a field name');
    this.pos = m.lastIndex;
    return r[0];
  }

  /** Comma-separated items up to `close` (the opening bracket already read). */
  private items(close: string, item: () => void): void {
    if (this.accept(close)) return;
    do item();
    while (this.accept(','));
    this.expect(close);
  }

  value(type: CqlType): unknown {
    if (this.acceptNull()) return null;
    switch (type.kind) {
      case 'blob':
      case 'custom': {
        this.expect('0x');
        const m = /[0-9a-fA-F]*/y;
        m.lastIndex = this.pos;
        const hex = (m.exec(this.text) as RegExpExecArray)[0];
        if (hex.length % 2 !== 0) this.fail('odd number of hex digits in a blob');
        this.pos = m.lastIndex;
        return Buffer.from(hex, 'hex');
      }
      case 'list':
      case 'vector': {
        const out: unknown[] = [];
        this.expect('[');
        this.items(']', () => out.push(this.value(type.element)));
        if (type.kind !== 'vector') return out;
        if (out.length !== type.dimension) this.fail(`expected ${type.dimension} vector elements, found ${out.length}`);
        return new Vector(out);
      }
      case 'set': {
        const out: unknown[] = [];
        this.expect('{');
        this.items('}', () => out.push(this.value(type.element)));
        return out;
      }
      case 'map': {
        const out = new Map<unknown, unknown>();
        this.expect('{');
        this.items('}', () => {
          const k = this.value(type.key);
          this.expect(':');
          out.set(k, this.value(type.value));
        });
        return out;
      }
      case 'tuple': {
        const out: unknown[] = [];
        this.expect('(');
        this.items(')', () => {
          const t = type.elements[out.length];
          if (t === undefined) this.fail(`more than ${type.elements.length} tuple elements`);
          out.push(this.value(t));
        });
        if (out.length !== type.elements.length) this.fail(`expected ${type.elements.length} tuple elements, found ${out.length}`);
        return Tuple.fromArray(out);
      }
      case 'udt': {
        const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        for (const f of type.fields) out[f.name] = null;
        const fields = new Map(type.fields.map((f) => [f.name, f.type]));
        this.expect('{');
        this.items('}', () => {
          const name = this.identifier();
          const t = fields.get(name);
          if (t === undefined) this.fail(`unknown field ${JSON.stringify(name)} of ${type.name}`);
          this.expect(':');
          out[name] = this.value(t);
        });
        return { ...out };
      }
      default: {
        const text = QUOTED_KINDS.has(type.kind) ? this.quoted() : this.token();
        try {
          return driverValueFromText(type, text);
        } catch (e) {
          return this.fail(e instanceof Error ? e.message : String(e));
        }
      }
    }
  }
}
