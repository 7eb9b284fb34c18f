/**
 * A JPEG's decoded Y, Cb and Cr planes to RGB, exactly as libjpeg(-turbo) makes them: its "fancy"
 * (triangle-filter) chroma upsampling and its fixed-point YCbCr → RGB tables. PIL, which the reference
 * loader decodes with, and Chromium's createImageBitmap both run libjpeg-turbo's own conversion; WebCodecs'
 * ImageDecoder hands back the planes before it (a VideoFrame in I420 / I422 / I444), and its own
 * conversion to RGBA differs from libjpeg's by up to tens of levels at colour edges. Converting the
 * planes here gives libjpeg's pixels without a Blob per image, which is what keeps decoding from bytes
 * flat in the browser's memory (docs/results.md, bench:reads).
 *
 * The filters follow libjpeg-turbo's jdsample.c (h2v1 and h2v2 fancy upsampling, with their rounding
 * biases) and the tables its jdcolor.c (16-bit fixed point, round half up); edges repeat the nearest
 * chroma sample, as libjpeg's context rows and first/last-column cases do.
 */

/** The chroma layouts ImageDecoder returns for JPEG: 4:2:0, 4:2:2 (horizontal only), 4:4:4. */
export type ChromaLayout = 'I420' | 'I422' | 'I444';

export interface PlaneRef {
  offset: number;
  stride: number;
}

export interface YccPlanes {
  /** All three planes, as VideoFrame.copyTo lays them out. */
  data: Uint8Array;
  y: PlaneRef;
  cb: PlaneRef;
  cr: PlaneRef;
}

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number) => Math.floor(x * (1 << SCALEBITS) + 0.5);

/** libjpeg's tables, indexed by the 8-bit chroma sample. */
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

/** The chroma planes' size for an image of `width` x `height` in `layout`. */
export function chromaSize(layout: ChromaLayout, width: number, height: number): [number, number] {
  const cw = layout === 'I444' ? width : Math.ceil(width / 2);
  const ch = layout === 'I420' ? Math.ceil(height / 2) : height;
  return [cw, ch];
}

/**
 * One output row of a chroma plane, upsampled to full width into `out`. `fancy` false repeats samples
 * (what libjpeg does when a component is scaled to 1/8, where its fancy filters are off).
 */
function chromaRow(
  data: Uint8Array,
  p: PlaneRef,
  layout: ChromaLayout,
  cw: number,
  ch: number,
  y: number,
  fancy: boolean,
  out: Uint8Array,
  colsum: Int32Array,
): void {
  const width = out.length;
  if (layout === 'I444') {
    out.set(data.subarray(p.offset + y * p.stride, p.offset + y * p.stride + width));
    return;
  }
  const cy = layout === 'I420' ? y >> 1 : y;
  const row = p.offset + cy * p.stride;
  if (!fancy) {
    for (let x = 0; x < width; x++) out[x] = data[row + (x >> 1)];
    return;
  }
  if (layout === 'I422') {
    // jdsample.c h2v1_fancy_upsample: 3/4 nearer + 1/4 further, biases 1 and 2.
    for (let c = 0; c < cw; c++) {
      const v = data[row + c] * 3;
      const left = data[row + Math.max(0, c - 1)];
      const right = data[row + Math.min(cw - 1, c + 1)];
      const x = 2 * c;
      if (x < width) out[x] = (v + left + 1) >> 2;
      if (x + 1 < width) out[x + 1] = (v + right + 2) >> 2;
    }
    return;
  }
  // jdsample.c h2v2_fancy_upsample: a column sum of 3/4 this row + 1/4 the row above (even output
  // rows) or below (odd), then the same 3:1 weighting across columns, biases 8 and 7.
  const near = (y & 1) === 0 ? Math.max(0, cy - 1) : Math.min(ch - 1, cy + 1);
  const other = p.offset + near * p.stride;
  for (let c = 0; c < cw; c++) colsum[c] = data[row + c] * 3 + data[other + c];
  for (let c = 0; c < cw; c++) {
    const v = colsum[c] * 3;
    const x = 2 * c;
    if (x < width) out[x] = (v + colsum[Math.max(0, c - 1)] + 8) >> 4;
    if (x + 1 < width) out[x + 1] = (v + colsum[Math.min(cw - 1, c + 1)] + 7) >> 4;
  }
}

/**
 * RGBA (alpha 255) of a `width` x `height` image from its Y, Cb, Cr planes. Throws on planes too small
 * for the size, so a frame laid out otherwise fails loudly instead of reading the wrong bytes.
 */
export function yccToRgba(
  planes: YccPlanes,
  layout: ChromaLayout,
  width: number,
  height: number,
  fancy = true,
): Uint8ClampedArray<ArrayBuffer> {
  const [cw, ch] = chromaSize(layout, width, height);
  const { data } = planes;
  const need = (p: PlaneRef, w: number, h: number) => p.offset + (h - 1) * p.stride + w;
  if (
    planes.y.stride < width ||
    planes.cb.stride < cw ||
    planes.cr.stride < cw ||
    need(planes.y, width, height) > data.length ||
    need(planes.cb, cw, ch) > data.length ||
    need(planes.cr, cw, ch) > data.length
  )
    throw new Error(`YCbCr planes too small for a ${width}x${height} ${layout} image`);
  const out = new Uint8ClampedArray(width * height * 4);
  const cbRow = new Uint8Array(width);
  const crRow = new Uint8Array(width);
  const colsum = new Int32Array(cw);
  for (let y = 0; y < height; y++) {
    chromaRow(data, planes.cb, layout, cw, ch, y, fancy, cbRow, colsum);
    chromaRow(data, planes.cr, layout, cw, ch, y, fancy, crRow, colsum);
    const yRow = planes.y.offset + y * planes.y.stride;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      const l = data[yRow + x];
      const cb = cbRow[x];
      const cr = crRow[x];
      // Uint8ClampedArray clamps as libjpeg's range_limit table does.
      out[o] = l + CR_R[cr];
      out[o + 1] = l + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS);
      out[o + 2] = l + CB_B[cb];
      out[o + 3] = 255;
    }
  }
  return out;
}
