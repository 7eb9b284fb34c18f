/**
 * One image's FKD label record (all its stored crops) <-> a compact, versioned, self-describing
 * binary. The byte layout is specified in docs/label-record.md; keep the two in sync.
 *
 * Why a custom format: the reference stores each image as a torch.save ZIP of pickled numpy arrays
 * (docs/fkd.md, Storage). Here a crop is one bit-packed row:
 * the box as exact pixel integers (the reference's fractions are i/H, j/W, h/H, w/W of integer boxes,
 * so integers lose nothing; height and width are stored minus 1), 1 flip bit, k class ids of bitsFor(C − 1) bits and k probabilities whose
 * width depends on the precision (softLabel.ts). MS top-5, C = 1000, q8, a 500x375 image:
 * 9+9+9+9 + 1 + 5·10 + (10+9+9+8+8) = 131 bits ≈ 16.4 bytes per crop, versus 57 for the fp32 arrays.
 *
 * Records are validated on decode (magic, version, every header field against the values it implies,
 * total length, CRC-32, then box/index ranges), so a truncated or corrupt IndexedDB value is reported
 * instead of training on garbage.
 */
import { crc32, crc32Update } from './crc32';
import { fromPixelBox, type CropBox } from './cropBox';
import { BitReader, BitWriter, bitsFor } from './bitpack';
import { fromFloat16Bits, toFloat16Bits } from './float16';
import type { Codec, CodecSpec, EncodedLabel, Precision } from './softLabel';
import { CROP_MIX_KINDS, MAX_PARTNER_CROP, NO_MIX_BOX, type CropMix } from './labelMix';
import { CODECS, PRECISIONS, normalizeSpec, probFieldBits, quantLevels, storedK } from './softLabel';

export interface LabelRecord {
  version: number;
  spec: CodecSpec;
  imageWidth: number;
  imageHeight: number;
  numCrops: number;
  /** 4·numCrops pixel integers (top, left, height, width) on the original image. */
  boxes: Int32Array;
  /** 1 = the crop was mirrored after crop+resize. */
  flips: Uint8Array;
  /** numCrops·kStored class ids (identity rows for `full`). */
  indices: Uint16Array;
  /** numCrops·kStored stored probabilities (all 1 for `hard`). */
  probs: Float32Array;
  /** Version 2 only: each crop's label-time mix (core/labelMix.ts); boxes live on a size x size crop. */
  mix?: { size: number; crops: CropMix[] };
}

export type { CropBox };

export const LABEL_RECORD_MAGIC = 'FKDL';
/** Newest version: 2 adds the label-time mix columns; unmixed records are still written as version 1. */
export const LABEL_RECORD_VERSION = 2;
/** Fixed header size of versions 1 and 2; `headerBytes` in the header lets later versions grow it. */
export const LABEL_RECORD_HEADER_BYTES = 52;
const CRC_OFFSET = 48;

/** Bit layout of one crop row, derived from the header fields only. */
function rowLayout(spec: CodecSpec, imageWidth: number, imageHeight: number, mixSize = 0) {
  const k = storedK(spec);
  // top ∈ [0, H−1] and height−1 ∈ [0, H−1] (a crop is at least 1 px), so both fit bitsFor(H − 1):
  // 12 bits for images up to 4096 px.
  const boxBitsY = bitsFor(imageHeight - 1);
  const boxBitsX = bitsFor(imageWidth - 1);
  const indexBits = spec.codec === 'full' ? 0 : bitsFor(spec.numClasses - 1);
  const probBits = Array.from({ length: k }, (_, slot) => probFieldBits(spec, slot));
  // Version 2 mix columns: kind (2 bits), partner image (32), partner crop (16), lambda (f32), box.
  const mixBoxBits = mixSize > 0 ? bitsFor(mixSize) : 0;
  const mixBits = mixSize > 0 ? 2 + 32 + 16 + 32 + 4 * mixBoxBits : 0;
  const bitsPerCrop =
    2 * boxBitsY + 2 * boxBitsX + 1 + k * indexBits + probBits.reduce((a, b) => a + b, 0) + mixBits;
  return { k, boxBitsY, boxBitsX, indexBits, probBits, bitsPerCrop, mixBoxBits };
}

/** Total encoded size in bytes (header + body), e.g. for storage estimates in the UI. */
export function recordByteLength(
  spec: CodecSpec,
  numCrops: number,
  imageWidth: number,
  imageHeight: number,
  mixSize = 0,
): number {
  const { bitsPerCrop } = rowLayout(normalizeSpec(spec), imageWidth, imageHeight, mixSize);
  return LABEL_RECORD_HEADER_BYTES + Math.ceil((numCrops * bitsPerCrop) / 8);
}

/** CRC-32 over `bytes` except the 4 CRC bytes themselves. */
function recordCrc(bytes: Uint8Array): number {
  return crc32Update(crc32(bytes.subarray(0, CRC_OFFSET)), bytes.subarray(CRC_OFFSET + 4));
}

function checkImageSize(w: number, h: number): void {
  for (const [name, v] of [
    ['imageWidth', w],
    ['imageHeight', h],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffffff) throw new Error(`${name} ${v} not in 1..16777215`);
  }
}

function checkBox(top: number, left: number, height: number, width: number, w: number, h: number): boolean {
  return (
    Number.isInteger(top) &&
    Number.isInteger(left) &&
    height >= 1 &&
    width >= 1 &&
    top >= 0 &&
    left >= 0 &&
    top + height <= h &&
    left + width <= w
  );
}

const f32View = new DataView(new ArrayBuffer(4));

function encodeProb(p: number, precision: Precision, slot: number, codec: Codec, crop: number): number {
  if (!Number.isFinite(p) || p < 0) throw new Error(`crop ${crop}: probability ${p} is invalid`);
  if (precision === 'f32') {
    f32View.setFloat32(0, p, true);
    return f32View.getUint32(0, true);
  }
  if (precision === 'f16') return toFloat16Bits(p);
  const m = quantLevels(precision);
  const code = Math.round(p * m); // exact for values produced by encodeSoftLabel (they are c / M)
  const cap = codec === 'full' ? m : Math.floor(m / (slot + 1));
  if (code > cap) {
    throw new Error(
      `crop ${crop}: ${precision} probability ${p} in slot ${slot} exceeds 1/${slot + 1}; top-k probabilities ` +
        'must be sorted descending and sum to at most 1 (use encodeSoftLabel)',
    );
  }
  return code;
}

function decodeProb(bits: number, precision: Precision): number {
  if (precision === 'f32') {
    f32View.setUint32(0, bits, true);
    return f32View.getFloat32(0, true);
  }
  if (precision === 'f16') return fromFloat16Bits(bits);
  return bits / quantLevels(precision);
}

export function encodeLabelRecord(r: LabelRecord): Uint8Array {
  if (r.version !== 1 && r.version !== LABEL_RECORD_VERSION)
    throw new Error(`can only write label record versions 1 and ${LABEL_RECORD_VERSION}`);
  const spec = normalizeSpec(r.spec);
  checkImageSize(r.imageWidth, r.imageHeight);
  const n = r.numCrops;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`numCrops ${n} is invalid`);
  const mixSize = r.mix?.size ?? 0;
  if (r.mix && (!Number.isInteger(mixSize) || mixSize < 1 || mixSize > 0xffff))
    throw new Error(`label record mix size ${mixSize} not in 1..65535`);
  const lay = rowLayout(spec, r.imageWidth, r.imageHeight, mixSize);
  const sizes: [string, number, number][] = [
    ['boxes', r.boxes.length, 4 * n],
    ['flips', r.flips.length, n],
    ['indices', r.indices.length, lay.k * n],
    ['probs', r.probs.length, lay.k * n],
    ['mix crops', r.mix ? r.mix.crops.length : n, n],
  ];
  for (const [name, got, want] of sizes) {
    if (got !== want) throw new Error(`label record ${name} has length ${got}, expected ${want}`);
  }
  const bodyBytes = Math.ceil((n * lay.bitsPerCrop) / 8);
  const out = new Uint8Array(LABEL_RECORD_HEADER_BYTES + bodyBytes);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = LABEL_RECORD_MAGIC.charCodeAt(i);
  // Unmixed records stay version 1, byte for byte what older builds wrote and read.
  dv.setUint16(4, r.mix ? 2 : 1, true);
  dv.setUint16(6, LABEL_RECORD_HEADER_BYTES, true);
  out[13] = r.mix ? 1 : 0;
  dv.setUint16(14, mixSize, true);
  out[8] = CODECS.indexOf(spec.codec);
  out[9] = PRECISIONS.indexOf(spec.precision);
  out[10] = lay.boxBitsY;
  out[11] = lay.boxBitsX;
  out[12] = lay.indexBits;
  const u32: [number, number][] = [
    [16, lay.k],
    [20, spec.numClasses],
    [24, n],
    [28, r.imageWidth],
    [32, r.imageHeight],
    [36, quantLevels(spec.precision)],
    [40, lay.bitsPerCrop],
    [44, bodyBytes],
  ];
  for (const [off, v] of u32) dv.setUint32(off, v, true);

  const w = new BitWriter(bodyBytes);
  const sub = new Uint8Array(out.buffer, LABEL_RECORD_HEADER_BYTES);
  const { k, indexBits, probBits } = lay;
  const { boxes, flips, indices, probs } = r;
  const f32 = spec.precision === 'f32';
  for (let i = 0; i < n; i++) {
    const top = boxes[4 * i];
    const left = boxes[4 * i + 1];
    const height = boxes[4 * i + 2];
    const width = boxes[4 * i + 3];
    if (!checkBox(top, left, height, width, r.imageWidth, r.imageHeight)) {
      throw new Error(
        `crop ${i}: box (${top},${left},${height},${width}) is outside the ${r.imageWidth}x${r.imageHeight} image`,
      );
    }
    if (flips[i] > 1) throw new Error(`crop ${i}: flip must be 0 or 1, got ${flips[i]}`);
    w.write(top, lay.boxBitsY);
    w.write(left, lay.boxBitsX);
    w.write(height - 1, lay.boxBitsY);
    w.write(width - 1, lay.boxBitsX);
    w.write(flips[i], 1);
    for (let j = 0; j < k; j++) {
      const idx = indices[i * k + j];
      if (spec.codec === 'full' ? idx !== j : idx >= spec.numClasses) {
        throw new Error(`crop ${i}: class index ${idx} in slot ${j} is invalid for ${spec.codec}`);
      }
      if (indexBits > 0) w.write(idx, indexBits);
    }
    if (spec.codec !== 'hard') {
      // hard: the target is one-hot; no probability is stored
      for (let j = 0; j < k; j++) {
        const p = probs[i * k + j];
        // float32 probabilities are stored as their own bits: no conversion to check or round.
        if (f32 && p >= 0 && p !== Infinity) w.writeFloat32(p);
        else w.write(encodeProb(p, spec.precision, j, spec.codec, i), probBits[j]);
      }
    }
    if (r.mix) writeMix(w, r.mix.crops[i], mixSize, lay.mixBoxBits, i);
  }
  sub.set(w.finish());
  dv.setUint32(CRC_OFFSET, recordCrc(out), true);
  return out;
}

function mixProblem(m: CropMix, size: number): string | null {
  const b = m.box;
  const inBox = [b.y1, b.x1, b.y2, b.x2].every((v) => Number.isInteger(v) && v >= 0 && v <= size);
  if (!CROP_MIX_KINDS.includes(m.kind)) return `mix kind ${String(m.kind)}`;
  if (!(m.lambda >= 0 && m.lambda <= 1) || Math.fround(m.lambda) !== m.lambda)
    return `mix lambda ${m.lambda} (a float32 in [0, 1])`;
  if (!inBox || b.y1 > b.y2 || b.x1 > b.x2) return `mix box (${b.y1},${b.x1},${b.y2},${b.x2})`;
  if (!Number.isInteger(m.partnerImage) || m.partnerImage < 0 || m.partnerImage > 0xffffffff)
    return `partner image ${m.partnerImage}`;
  if (!Number.isInteger(m.partnerCrop) || m.partnerCrop < 0 || m.partnerCrop > MAX_PARTNER_CROP)
    return `partner crop ${m.partnerCrop}`;
  return null;
}

function writeMix(w: BitWriter, m: CropMix, size: number, boxBits: number, crop: number): void {
  const problem = mixProblem(m, size);
  if (problem) throw new Error(`crop ${crop}: invalid ${problem}`);
  w.write(CROP_MIX_KINDS.indexOf(m.kind), 2);
  w.write(m.partnerImage, 32);
  w.write(m.partnerCrop, 16);
  w.writeFloat32(m.lambda);
  for (const v of [m.box.y1, m.box.x1, m.box.y2, m.box.x2]) w.write(v, boxBits);
}

function readMix(rd: BitReader, size: number, boxBits: number, crop: number): CropMix {
  const kind = CROP_MIX_KINDS[rd.read(2)] ?? ('?' as CropMix['kind']);
  const partnerImage = rd.read(32);
  const partnerCrop = rd.read(16);
  const lambda = rd.readFloat32();
  const [y1, x1, y2, x2] = [0, 1, 2, 3].map(() => rd.read(boxBits));
  const m: CropMix = { kind, partnerImage, partnerCrop, lambda, box: { y1, x1, y2, x2 } };
  const problem = mixProblem(m, size);
  if (problem) throw corrupt(`crop ${crop} ${problem}`);
  if (kind !== 'cutmix') m.box = NO_MIX_BOX;
  return m;
}

function corrupt(msg: string): Error {
  return new Error(`label record corrupt: ${msg}`);
}

export function decodeLabelRecord(bytes: Uint8Array): LabelRecord {
  if (bytes.length < LABEL_RECORD_HEADER_BYTES) {
    throw new Error(
      `label record truncated: ${bytes.length} bytes, the header alone needs ${LABEL_RECORD_HEADER_BYTES}`,
    );
  }
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== LABEL_RECORD_MAGIC)
    throw new Error(`not an FKD label record (magic '${magic}', expected 'FKDL')`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  if (version !== 1 && version !== LABEL_RECORD_VERSION) {
    throw new Error(
      `unsupported label record version ${version} (this build reads 1 and ${LABEL_RECORD_VERSION})`,
    );
  }
  const mixSize = version === 2 ? dv.getUint16(14, true) : 0;
  if (version === 2 ? bytes[13] !== 1 || mixSize < 1 : bytes[13] !== 0 || dv.getUint16(14, true) !== 0)
    throw corrupt(`mix fields ${bytes[13]}/${dv.getUint16(14, true)} do not fit version ${version}`);
  const headerBytes = dv.getUint16(6, true);
  if (headerBytes !== LABEL_RECORD_HEADER_BYTES)
    throw corrupt(`header size ${headerBytes} != ${LABEL_RECORD_HEADER_BYTES}`);
  const codec = CODECS[bytes[8]];
  const precision = PRECISIONS[bytes[9]];
  if (codec === undefined || precision === undefined)
    throw corrupt(`codec id ${bytes[8]} / precision id ${bytes[9]}`);
  const [k, numClasses, numCrops, imageWidth, imageHeight, levels, bitsPerCrop, bodyBytes] = [
    16, 20, 24, 28, 32, 36, 40, 44,
  ].map((o) => dv.getUint32(o, true));
  let spec: CodecSpec;
  try {
    spec = normalizeSpec({ codec, k, precision, numClasses });
    checkImageSize(imageWidth, imageHeight);
  } catch (e) {
    throw corrupt((e as Error).message);
  }
  // Every width is implied by other fields; a mismatch means a corrupt header or a foreign writer.
  const lay = rowLayout(spec, imageWidth, imageHeight, mixSize);
  const implied: [string, number, number][] = [
    ['k', k, lay.k],
    ['boxBitsY', bytes[10], lay.boxBitsY],
    ['boxBitsX', bytes[11], lay.boxBitsX],
    ['indexBits', bytes[12], lay.indexBits],
    ['quantLevels', levels, quantLevels(precision)],
    ['bitsPerCrop', bitsPerCrop, lay.bitsPerCrop],
    ['bodyBytes', bodyBytes, Math.ceil((numCrops * lay.bitsPerCrop) / 8)],
  ];
  for (const [name, got, want] of implied)
    if (got !== want) throw corrupt(`header ${name} is ${got}, expected ${want}`);
  const total = headerBytes + bodyBytes;
  if (bytes.length < total)
    throw new Error(`label record truncated: expected ${total} bytes, got ${bytes.length}`);
  if (bytes.length > total) throw corrupt(`${bytes.length - total} unexpected trailing bytes`);
  if (recordCrc(bytes) !== dv.getUint32(CRC_OFFSET, true)) throw corrupt('CRC-32 mismatch');

  const boxes = new Int32Array(4 * numCrops);
  const flips = new Uint8Array(numCrops);
  const indices = new Uint16Array(numCrops * lay.k);
  const probs = new Float32Array(numCrops * lay.k);
  const mixes: CropMix[] = [];
  const rd = new BitReader(bytes, headerBytes, bodyBytes);
  const { indexBits, probBits, boxBitsX, boxBitsY } = lay;
  const f32 = precision === 'f32';
  for (let i = 0; i < numCrops; i++) {
    const top = rd.read(boxBitsY);
    const left = rd.read(boxBitsX);
    const height = rd.read(boxBitsY) + 1;
    const width = rd.read(boxBitsX) + 1;
    if (!checkBox(top, left, height, width, imageWidth, imageHeight))
      throw corrupt(`crop ${i} box out of bounds`);
    boxes[4 * i] = top;
    boxes[4 * i + 1] = left;
    boxes[4 * i + 2] = height;
    boxes[4 * i + 3] = width;
    flips[i] = rd.read(1);
    for (let j = 0; j < k; j++) {
      const idx = indexBits > 0 ? rd.read(indexBits) : j;
      if (idx >= numClasses) throw corrupt(`crop ${i} class index ${idx} >= ${numClasses}`);
      indices[i * k + j] = idx;
    }
    for (let j = 0; j < k; j++) {
      const p = codec === 'hard' ? 1 : f32 ? rd.readFloat32() : decodeProb(rd.read(probBits[j]), precision);
      if (!(p >= 0 && p <= 1 + 1e-6)) throw corrupt(`crop ${i} probability ${p}`);
      probs[i * k + j] = p;
    }
    if (mixSize > 0) mixes.push(readMix(rd, mixSize, lay.mixBoxBits, i));
  }
  const mix = mixSize > 0 ? { size: mixSize, crops: mixes } : undefined;
  return { version, spec, imageWidth, imageHeight, numCrops, boxes, flips, indices, probs, mix };
}

/** Crop boxes as fractions of the image, in the reference's (top/H, left/W, h/H, w/W) order. */
export function recordCropBoxes(r: LabelRecord): CropBox[] {
  return Array.from({ length: r.numCrops }, (_, i) => recordCropBox(r, i));
}

/** One crop's box (pixel ints on the original image → fractions), as core/cropBox's fromPixelBox. */
export function recordCropBox(r: LabelRecord, i: number): CropBox {
  const b = r.boxes;
  return fromPixelBox(
    { top: b[4 * i], left: b[4 * i + 1], height: b[4 * i + 2], width: b[4 * i + 3] },
    r.imageWidth,
    r.imageHeight,
    r.flips[i] === 1,
  );
}

/** One crop's label as views into the record (no copy), ready for recoverSoftLabel. */
export function recordEncodedLabel(r: LabelRecord, crop: number): EncodedLabel {
  if (!Number.isInteger(crop) || crop < 0 || crop >= r.numCrops)
    throw new RangeError(`crop ${crop} out of range`);
  const k = storedK(r.spec);
  return {
    indices: r.indices.subarray(crop * k, (crop + 1) * k),
    probs: r.probs.subarray(crop * k, (crop + 1) * k),
  };
}
