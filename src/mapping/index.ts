/** Cassandra row values → DynamoDB AttributeValues (wire format), keys, item sizes. */
export * from './attribute-value.js';
export * from './cql-type.js';
export { parseJavaType } from './driver-type.js';
export * from './failure.js';
export * from './numbers.js';
export { compileColumnCodec, compileValueCodec, compileTextCodec, type ColumnCodec, type CodecOptions, type TimestampAs } from './codecs.js';
export { compileLiteral } from './literal.js';
export * from './item-size.js';
export * from './key-encoding.js';
export * from './keys.js';
export * from './options.js';
export * from './table-spec.js';
export * from './row-converter.js';
