/**
 * A label bundle written without holding its image list or its records: the header's `images` arrive
 * page by page after a first pass measured them (`bundleImageBytes`), then the records page by page in
 * the same ascending order. The bytes are exactly what LabelBundleWriter writes for the whole header.
 */
import { CrcChunks } from './crcChunks';
import {
  bundlePrefix,
  checkU32,
  LABEL_BUNDLE_END_MARK,
  MAX_HEADER_BYTES,
  validateHeader,
  type BundleImage,
  type LabelBundleHeader,
} from './labelBundle';

const encoder = new TextEncoder();
const IMAGES_KEY = '"images":[]';

/** UTF-8 bytes of one image's entry in the header's `images` array. */
export function bundleImageBytes(image: BundleImage): number {
  return encoder.encode(JSON.stringify(image)).length;
}

/** Order-sensitive fingerprint of a sequence of image indices, so images and records can be matched. */
function mix(h: number, index: number): number {
  return (Math.imul(h ^ index, 0x9e3779b1) + 0x7f4a7c15) | 0;
}

export class LabelBundleStreamWriter {
  private readonly chunks: CrcChunks;
  private readonly tail: Uint8Array;
  private imagesLeft: number;
  private imagesBytesLeft: number;
  private lastImage = -1;
  private imageHash = 0;
  private lastRecord = -1;
  private recordHash = 0;
  private count = 0;
  private finished = false;

  /**
   * `header.images` must be empty: `imageCount` images of `imagesBytes` in all (the sum of
   * `bundleImageBytes`, without the commas between them) follow through `pushImages`.
   */
  constructor(
    header: LabelBundleHeader,
    private readonly imageCount: number,
    imagesBytes: number,
    chunkBytes = 1 << 20,
  ) {
    if (!(chunkBytes >= 64)) throw new Error(`label bundle: chunkBytes ${chunkBytes} < 64`);
    if (header.images.length !== 0) throw new Error('label bundle: streamed header lists images itself');
    validateHeader(header, (m) => new Error(`label bundle: invalid header: ${m}`));
    const json = JSON.stringify(header);
    const at = json.indexOf(IMAGES_KEY);
    if (at < 0 || json.indexOf(IMAGES_KEY, at + 1) >= 0)
      throw new Error('label bundle: header has no images list');
    const head = encoder.encode(json.slice(0, at + IMAGES_KEY.length - 1));
    this.tail = encoder.encode(json.slice(at + IMAGES_KEY.length - 1));
    const listBytes = imagesBytes + Math.max(0, imageCount - 1);
    const headerBytes = head.length + listBytes + this.tail.length;
    if (headerBytes > MAX_HEADER_BYTES) throw new Error('label bundle: header too large');
    this.imagesLeft = imageCount;
    this.imagesBytesLeft = listBytes;
    this.chunks = new CrcChunks(chunkBytes);
    this.chunks.write(bundlePrefix(headerBytes));
    this.chunks.write(head);
    if (imageCount === 0) this.chunks.write(this.tail);
  }

  /** The next images of the header, ascending by index; returns the chunks that became full. */
  pushImages(images: readonly BundleImage[]): Uint8Array[] {
    for (const im of images) {
      checkU32('image index', im.index);
      if (im.index <= this.lastImage)
        throw new Error(`label bundle: image ${im.index} after ${this.lastImage} (images must ascend)`);
      if (this.imagesLeft === 0) throw new Error(`label bundle: more than ${this.imageCount} images`);
      const bytes = encoder.encode(JSON.stringify(im));
      const sep = this.imagesLeft < this.imageCount ? 1 : 0;
      this.imagesBytesLeft -= bytes.length + sep;
      if (this.imagesBytesLeft < 0) throw new Error('label bundle: the images are longer than measured');
      if (sep) this.chunks.write(encoder.encode(','));
      this.chunks.write(bytes);
      this.lastImage = im.index;
      this.imageHash = mix(this.imageHash, im.index);
      if (--this.imagesLeft === 0) {
        if (this.imagesBytesLeft !== 0) throw new Error('label bundle: the images are shorter than measured');
        this.chunks.write(this.tail);
      }
    }
    return this.chunks.take();
  }

  /** The next record, after every image and in their order; returns the chunks that became full. */
  push(imageIndex: number, record: Uint8Array): Uint8Array[] {
    if (this.finished) throw new Error('label bundle: push after finish');
    if (this.imagesLeft > 0) throw new Error(`label bundle: ${this.imagesLeft} images still to come`);
    checkU32('imageIndex', imageIndex);
    if (imageIndex <= this.lastRecord)
      throw new Error(`label bundle: record ${imageIndex} after ${this.lastRecord} (records must ascend)`);
    checkU32('record byteLength', record.byteLength);
    const entry = new Uint8Array(8);
    const dv = new DataView(entry.buffer);
    dv.setUint32(0, imageIndex, true);
    dv.setUint32(4, record.byteLength, true);
    this.chunks.write(entry);
    this.chunks.write(record);
    this.lastRecord = imageIndex;
    this.recordHash = mix(this.recordHash, imageIndex);
    this.count++;
    return this.chunks.take();
  }

  /** Writes the trailer and returns the remaining chunks; the records must be exactly the images. */
  finish(): Uint8Array[] {
    if (this.finished) throw new Error('label bundle: finish called twice');
    if (this.imagesLeft > 0) throw new Error(`label bundle: ${this.imagesLeft} images still to come`);
    if (this.count !== this.imageCount || this.recordHash !== this.imageHash)
      throw new Error('label bundle: the records are not the images the header lists');
    this.finished = true;
    const tail = new Uint8Array(8);
    const dv = new DataView(tail.buffer);
    dv.setUint32(0, LABEL_BUNDLE_END_MARK, true);
    dv.setUint32(4, this.count, true);
    this.chunks.write(tail);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, this.chunks.crc, true);
    this.chunks.write(crc, false);
    this.chunks.flush();
    return this.chunks.take();
  }
}
