/**
 * Twilio's amounts as decimal strings, added exactly: a total never picks up binary rounding, and a
 * price Twilio sends as a JSON number (1e-7) becomes the plain decimal it denotes ("0.0000001").
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;
const SCIENTIFIC = /^(-?)(\d+)(?:\.(\d+))?e([+-]?\d+)$/i;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/**
 * The plain decimal of a finite number, written from its shortest round-trip form, so `1e-7` is
 * "0.0000001" and `0.1` is "0.1" (never 0.1000000000000000055…). BigInt and the sums below take
 * only plain decimals; an exponent reaching them was the bug that failed a whole card.
 */
export function decimalOfNumber(value: number): string {
  const shortest = String(value);
  const parts = SCIENTIFIC.exec(shortest);
  if (!parts) return shortest;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = parts;
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText);
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + plain.replace(/^0+(?=\d)/, '');
}

export function negate(value: string): string {
  return value.startsWith('-') ? value.slice(1) : `-${value}`;
}

/** Adds decimal strings exactly, at the finest precision among them. */
export function addDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split('.')[1]?.length ?? 0));
  let total = 0n;
  for (const value of values) {
    const negative = value.startsWith('-');
    const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
    const units = BigInt(whole + fraction.padEnd(scale, '0'));
    total += negative ? -units : units;
  }
  const sign = total < 0n ? '-' : '';
  const digits = (total < 0n ? -total : total).toString().padStart(scale + 1, '0');
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
