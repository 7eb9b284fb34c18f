/**
 * The polyphase plan of a strided conv's input gradient, one spatial dimension at a time. The forward
 * conv reads x[i*s + k - pad] for output i and tap k, so the gradient at input position y = p + s*Y
 * (phase p in [0, s)) gathers only the taps k = r_p + s*a with r_p = (p + pad) mod s:
 *   dx[p + s*Y] = sum_a dy[Y + q_p - a] * W[r_p + s*a],   q_p = (p + pad - r_p) / s.
 * Each phase is a stride-1 correlation of dy with a few of the filter's taps, and all s phases fit one
 * window of dy rows [Y + lo, Y + hi]: one stride-1 conv with s*s times the output channels computes every
 * phase at once (zero weights where a phase has no tap), and a transpose interleaves them. For 3x3 at
 * stride 2 that is 2x2 taps per output instead of the 3x3 over a zero-dilated dy (where three in four
 * rows and columns are zeros). Pure: no tfjs.
 */

export interface PhasePlan {
  /** Window length T: taps of the combined stride-1 conv along this dimension. */
  taps: number;
  /** Zero rows before and after dy so the stride-1 conv gives size / stride outputs. */
  padBefore: number;
  padAfter: number;
  /** tap[p][t]: the forward filter's tap for phase p at window position t, or -1 (a zero weight). */
  tap: number[][];
}

/**
 * The plan for one dimension: input size, filter size, stride, the forward's leading pad and output
 * size. Null where the phases do not all have size / stride outputs (size not a multiple of the stride)
 * or the window would need dy cropped rather than padded; the caller then takes another path.
 */
export function polyphasePlan(
  size: number,
  filter: number,
  stride: number,
  pad: number,
  outSize: number,
): PhasePlan | null {
  if (stride < 2 || size % stride !== 0) return null;
  const phases = Array.from({ length: stride }, (_, p) => {
    const r = (((p + pad) % stride) + stride) % stride;
    const q = (p + pad - r) / stride;
    const count = r < filter ? Math.ceil((filter - r) / stride) : 0;
    return { r, q, count };
  });
  const used = phases.filter((ph) => ph.count > 0);
  if (used.length === 0) return null;
  const lo = Math.min(...used.map((ph) => ph.q - (ph.count - 1)));
  const hi = Math.max(...used.map((ph) => ph.q));
  const taps = hi - lo + 1;
  const padBefore = -lo;
  const padAfter = size / stride - 1 + hi - (outSize - 1);
  if (padBefore < 0 || padAfter < 0) return null;
  const tap = phases.map((ph) =>
    Array.from({ length: taps }, (_, t) => {
      const a = ph.q - lo - t;
      return a >= 0 && a < ph.count ? ph.r + stride * a : -1;
    }),
  );
  return { taps, padBefore, padAfter, tap };
}

/**
 * Row indices into the filter's [fh * fw + 1] flattened taps (the last one a zero row) for the combined
 * filter, ordered [tH, tW, phaseRow, phaseCol]: gathering them gives the combined filter's taps with its
 * output channels grouped by phase (phaseRow * stride + phaseCol), the order the interleave expects.
 */
export function combinedTapIndex(rows: PhasePlan, cols: PhasePlan, fw: number, zeroRow: number): Int32Array {
  const sh = rows.tap.length;
  const sw = cols.tap.length;
  const out = new Int32Array(rows.taps * cols.taps * sh * sw);
  let i = 0;
  for (let th = 0; th < rows.taps; th++)
    for (let tw = 0; tw < cols.taps; tw++)
      for (let py = 0; py < sh; py++)
        for (let px = 0; px < sw; px++) {
          const kh = rows.tap[py][th];
          const kw = cols.tap[px][tw];
          out[i++] = kh < 0 || kw < 0 ? zeroRow : kh * fw + kw;
        }
  return out;
}
