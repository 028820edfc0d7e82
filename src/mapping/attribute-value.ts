/**
 * DynamoDB AttributeValues in the JSON wire format, as plain objects: exactly what goes into a
 * hand-built BatchWriteItem body with JSON.stringify. Binary values are already base64 text.
 *
 * The write path never uses the AWS SDK marshaller: these objects are the wire format.
 */

export interface AttrS { readonly S: string }
export interface AttrN { readonly N: string }
/** Base64 text of the raw bytes. */
export interface AttrB { readonly B: string }
export interface AttrBOOL { readonly BOOL: boolean }
export interface AttrNULL { readonly NULL: true }
export interface AttrL { readonly L: readonly AttributeValue[] }
export interface AttrM { readonly M: Readonly<Record<string, AttributeValue>> }
/** Non-empty, no duplicates. */
export interface AttrSS { readonly SS: readonly string[] }
/** Non-empty, no duplicates (compared as numbers: write them normalised). */
export interface AttrNS { readonly NS: readonly string[] }
/** Non-empty, no duplicates; base64 text. */
export interface AttrBS { readonly BS: readonly string[] }

export type AttributeValue = AttrS | AttrN | AttrB | AttrBOOL | AttrNULL | AttrL | AttrM | AttrSS | AttrNS | AttrBS;

/** A whole item (or a key): attribute name → value. */
export type Item = Record<string, AttributeValue>;

/** The scalar types a key attribute may have. */
export type KeyAttributeType = 'S' | 'N' | 'B';

/** The NULL attribute value (not produced by default: null columns are omitted). */
export const NULL_VALUE: AttrNULL = Object.freeze({ NULL: true });

/** The single type letter(s) of a value: 'S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS' or 'BS'. */
export function attributeType(av: AttributeValue): keyof AttrS | keyof AttrN | keyof AttrB | keyof AttrBOOL | keyof AttrNULL | keyof AttrL | keyof AttrM | keyof AttrSS | keyof AttrNS | keyof AttrBS {
  if ('S' in av) return 'S';
  if ('N' in av) return 'N';
  if ('B' in av) return 'B';
  if ('BOOL' in av) return 'BOOL';
  if ('NULL' in av) return 'NULL';
  if ('L' in av) return 'L';
  if ('M' in av) return 'M';
  if ('SS' in av) return 'SS';
  if ('NS' in av) return 'NS';
  return 'BS';
}
