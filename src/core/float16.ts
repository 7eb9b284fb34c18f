/**
 * IEEE 754 binary16 ("half") conversion, used for the `f16` label precision.
 *
 * FKD's generator offers `--use_fp16`, which stores probabilities (and coords) as numpy float16. We
 * round the same way numpy / torch `.half()` do: round-to-nearest, ties-to-even, with gradual underflow
 * (subnormals) and overflow to ±Infinity. Rounding is done from the float64 value directly, so there
 * is no double rounding (float64 → float32 → float16 can differ from the correctly rounded result).
 *
 * Error: a normal half (|x| ≥ 2^-14) has 11 significant bits, so |half(x) − x| ≤ 2^-11·|x|; in the
 * subnormal range the absolute error is ≤ 2^-25.
 */

const TWO_POW_M14 = 2 ** -14; // smallest normal half
const TWO_POW_24 = 2 ** 24; // subnormal halves are integer multiples of 2^-24
/** Values ≥ this round to Infinity (max half 65504 plus half an ulp, ties-to-even go up). */
const HALF_OVERFLOW = 65520;

/** Round a non-negative float64 to the nearest integer, ties to even (the IEEE default). */
function roundHalfEven(y: number): number {
  const f = Math.floor(y);
  const d = y - f; // exact: y and f share an exponent range
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The 16-bit pattern of the half nearest to `x` (ties to even). NaN → 0x7e00 (quiet NaN). */
export function toFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= HALF_OVERFLOW) return sign | 0x7c00;
  if (a < TWO_POW_M14) {
    // Subnormal: count units of 2^-24; a carry to 1024 is exactly the smallest normal's encoding.
    return sign | roundHalfEven(a * TWO_POW_24);
  }
  // Exponent e with 2^e ≤ a < 2^(e+1); Math.log2 may be off by one near powers of two, so fix it up.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  // Scaling by a power of two is exact in float64; m is the 11-bit significand in [1024, 2048].
  const m = roundHalfEven(a * 2 ** (10 - e));
  // m = 2048 carries into the exponent field by plain addition, which is the correct encoding.
  return sign | (((e + 15) << 10) + (m - 1024));
}

/** The value of a 16-bit half pattern as a JS number (exact). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** `x` rounded to the nearest half and back (what storing as float16 does to a value). */
export function roundToFloat16(x: number): number {
  return fromFloat16Bits(toFloat16Bits(x));
}
