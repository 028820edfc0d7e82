/**
 * Equality of DynamoDB number text by value, without allocating and without JavaScript floats:
 * `1.50` = `1.5` = `15E-1` = `0.15e1`, `-0` = `0` = `0.000E+5`, `1E+40` = `1` followed by 40 zeros.
 *
 * Why: DynamoDB normalises numbers (it trims zeros and may drop the exponent notation we write
 * for large or small magnitudes), so the text read back need not be the text written. This runs
 * for every N attribute of every verified row, so it compares the significant digits in place
 * instead of building canonical strings.
 */
import { formatDecimal, parseDecimalText } from '../mapping/numbers.js';

// Result of the last scanNumber(); module scratch, so scanning allocates nothing.
let scanNegative = false;
/** Index of the first non-zero digit, -1 for zero. */
let scanFirst = -1;
/** Index of the last non-zero digit of the mantissa. */
let scanLast = -1;
/** Index of the decimal point, or the end of the mantissa when there is none. */
let scanPoint = 0;
/** Power of ten of the first significant digit. */
let scanAdjusted = 0;

/** Largest exponent magnitude read; larger ones are not DynamoDB numbers. */
const MAX_EXPONENT_DIGITS_VALUE = 1e9;

function scanNumber(t: string): boolean {
  const len = t.length;
  let i = 0;
  let c = t.charCodeAt(0);
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    i = 1;
  }
  let first = -1;
  let last = -1;
  let point = -1;
  let digits = 0;
  for (; i < len; i++) {
    c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      if (c !== 48) {
        if (first < 0) first = i;
        last = i;
      }
    } else if (c === 46 && point < 0) {
      point = i;
    } else {
      break;
    }
  }
  if (digits === 0) return false;
  if (point < 0) point = i;
  let exponent = 0;
  if (i < len) {
    c = t.charCodeAt(i);
    if (c !== 101 && c !== 69) return false;
    i++;
    let expNegative = false;
    c = t.charCodeAt(i);
    if (c === 45 || c === 43) {
      expNegative = c === 45;
      i++;
    }
    if (i >= len) return false;
    for (; i < len; i++) {
      c = t.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      exponent = exponent * 10 + (c - 48);
      if (exponent > MAX_EXPONENT_DIGITS_VALUE) return false;
    }
    if (expNegative) exponent = -exponent;
  }
  scanNegative = negative;
  scanFirst = first;
  scanLast = last;
  scanPoint = point;
  scanAdjusted = first < 0 ? 0 : (first < point ? point - first - 1 : point - first) + exponent;
  return true;
}

/** True when the two texts are the same decimal number. Text that is not a number equals only itself. */
export function numberTextEqual(x: string, y: string): boolean {
  if (x === y) return true;
  if (!scanNumber(x)) return false;
  const xNegative = scanNegative;
  const xFirst = scanFirst;
  const xLast = scanLast;
  const xPoint = scanPoint;
  const xAdjusted = scanAdjusted;
  if (!scanNumber(y)) return false;
  if (xFirst < 0 || scanFirst < 0) return xFirst < 0 && scanFirst < 0; // zero, whatever its sign
  if (xNegative !== scanNegative || xAdjusted !== scanAdjusted) return false;
  const yLast = scanLast;
  const yPoint = scanPoint;
  let i = xFirst;
  let j = scanFirst;
  // Same first digit position: the significant digits must match one for one (points skipped).
  for (;;) {
    if (i === xPoint) i++;
    if (j === yPoint) j++;
    const xDone = i > xLast;
    const yDone = j > yLast;
    if (xDone || yDone) return xDone && yDone;
    if (x.charCodeAt(i) !== y.charCodeAt(j)) return false;
    i++;
    j++;
  }
}

/** The canonical text of a number (numbers.ts formatDecimal), or the text itself if it is not one. */
export function canonicalNumberText(t: string): string {
  const p = parseDecimalText(t);
  return p === undefined ? t : formatDecimal(p);
}
