/**
 * GPU crop pipeline: one uploaded image -> all its stored FKD crops in ONE tf.image.cropAndResize call
 * (docs/fkd.md, Loader: crop the stored box, bilinear resize, mirror by the stored bit, normalise).
 *
 * Sampling convention (why the box maths below looks odd):
 * torchvision's bilinear resize (align_corners=False, no antialias) samples output pixel i of a crop
 * [top, top+h) (pixels) at source coordinate  src(i) = top + (i + 0.5) * h / out - 0.5, clamped to the
 * image edge. tf.image.cropAndResize samples at  y1*(H-1) + i*(y2-y1)*(H-1)/(out-1)  and writes an
 * extrapolation value (not a clamp) outside [0, H-1]. We make the two agree exactly by
 *   1. padding the image with a 1-pixel replicated edge (so src in [-0.5, H-0.5] stays inside the padded
 *      image and interpolating against the copy equals torch's clamp), and
 *   2. giving cropAndResize, in padded coordinates (Hp = H + 2),
 *        y1 = (src(0) + 1) / (Hp - 1),  y2 = (src(out-1) + 1) / (Hp - 1)   (same for x).
 * A whole-image box therefore reproduces torch's F.interpolate(mode='bilinear', align_corners=False).
 * Known differences from the PyTorch loader: no antialias on downscaling (PIL has it; on 28-px
 * Fashion-MNIST crops are mostly upscaled, so it rarely matters), and a crop's border samples blend with
 * the pixel just outside the crop rather than clamping at the crop edge.
 * Flip: a mirrored crop is the same crop sampled right-to-left, so we swap x1 and x2 of its box;
 * cropAndResize then does crop + resize + flip in the same single op.
 */
import * as tf from '@tensorflow/tfjs';
import { evalCropBox, type CropBox } from '../core/cropBox';
import { PaddedImage } from './pixels';

export type { CropBox };

/**
 * What the crop functions take: an [H, W, C] tensor in 0..255 (padded here with tf ops), or an image
 * uploaded already padded (pixels.ts PaddedImage: the training loader's, cheaper per step).
 */
export type CropImage = tf.Tensor3D | PaddedImage;

export type Normalisation = 'imagenet' | 'unit' | 'symmetric';

export interface CropOptions {
  /** imagenet: (x/255 - mean)/std; unit: x/255 in [0,1]; symmetric: x/127.5 - 1 in [-1,1]. */
  normalisation: Normalisation;
  /** Channels the model wants; grey is broadcast to RGB, RGB is reduced to luma (PIL 'L' weights). */
  channels: 1 | 3;
  /** Teachers converted from Caffe-style weights want BGR. Default rgb. */
  channelOrder?: 'rgb' | 'bgr';
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];
// For a 1-channel model under 'imagenet' we use the channel averages, as grey = equal RGB.
const IMAGENET_GREY_MEAN = 0.449;
const IMAGENET_GREY_STD = 0.226;

/** One axis of the mapping in the file comment: returns [c1, c2] in padded normalised coordinates. */
function axisCoords(startFrac: number, sizeFrac: number, length: number, out: number): [number, number] {
  const start = startFrac * length;
  const size = sizeFrac * length;
  const step = size / out;
  const first = start + 0.5 * step - 0.5 + 1; // +1: the replicated edge row/column
  const last = start + (out - 0.5) * step - 0.5 + 1;
  const denom = length + 1; // padded length - 1
  return [first / denom, last / denom];
}

/** cropAndResize box [y1, x1, y2, x2] for a CropBox on an H x W image (padded by one pixel). */
export function cropAndResizeBox(box: CropBox, height: number, width: number, outSize: number): number[] {
  const [y1, y2] = axisCoords(box.top, box.height, height, outSize);
  const [x1, x2] = axisCoords(box.left, box.width, width, outSize);
  return box.flip ? [y1, x2, y2, x1] : [y1, x1, y2, x2];
}

/** Replicate the edge pixels once on every side: [H,W,C] -> [H+2,W+2,C] (makes the torch clamp exact). */
function padEdge(image: tf.Tensor3D): tf.Tensor3D {
  const [h, w] = image.shape;
  const rows = tf.concat(
    [tf.slice(image, [0, 0, 0], [1, -1, -1]), image, tf.slice(image, [h - 1, 0, 0], [1, -1, -1])],
    0,
  );
  return tf.concat(
    [tf.slice(rows, [0, 0, 0], [-1, 1, -1]), rows, tf.slice(rows, [0, w - 1, 0], [-1, 1, -1])],
    1,
  );
}

/** [height, width, channels] of the image itself (without a PaddedImage's edge). */
function sizeOf(image: CropImage): [number, number, number] {
  if (image instanceof PaddedImage) return [image.height, image.width, image.channels];
  const [h, w, c] = image.shape;
  return [h, w, c];
}

/** The edge-padded float image the crops are sampled from ([H+2, W+2, C']); inside a tidy. */
function paddedSource(image: CropImage, opts: CropOptions): tf.Tensor3D {
  if (image instanceof PaddedImage) return cropSource(image.tensor, opts);
  return padEdge(cropSource(image, opts));
}

/** Channel conversion, order and normalisation of [N,S,S,C] crops with values in [0,255]. */
export function normaliseCrops(crops: tf.Tensor4D, opts: CropOptions): tf.Tensor4D {
  return tf.tidy(() => {
    let x = crops;
    const inChannels = x.shape[3];
    if (inChannels === 1 && opts.channels === 3) {
      x = tf.tile(x, [1, 1, 1, 3]);
    } else if (inChannels === 3 && opts.channels === 1) {
      x = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
    } else if (inChannels !== opts.channels) {
      throw new Error(`cannot convert ${inChannels}-channel image to ${opts.channels} channels`);
    }
    if (opts.channels === 3 && opts.channelOrder === 'bgr') x = tf.reverse(x, 3);
    switch (opts.normalisation) {
      case 'unit':
        return tf.div(x, 255);
      case 'symmetric':
        return tf.sub(tf.div(x, 127.5), 1);
      case 'imagenet': {
        const bgr = opts.channels === 3 && opts.channelOrder === 'bgr';
        const mean =
          opts.channels === 1 ? [IMAGENET_GREY_MEAN] : bgr ? [...IMAGENET_MEAN].reverse() : IMAGENET_MEAN;
        const std =
          opts.channels === 1 ? [IMAGENET_GREY_STD] : bgr ? [...IMAGENET_STD].reverse() : IMAGENET_STD;
        return tf.div(tf.sub(tf.div(x, 255), tf.tensor1d(mean)), tf.tensor1d(std));
      }
    }
  });
}

function toFloat(image: tf.Tensor3D): tf.Tensor3D {
  return image.dtype === 'float32' ? image : tf.cast(image, 'float32');
}

/**
 * The float image the crops are sampled from. For a 1-channel model the RGB image is reduced to luma
 * BEFORE cropping: luma is linear and so is bilinear sampling, so the crops are the same (to float
 * rounding) as crop-then-luma, but the crop kernel then moves one channel instead of three and the
 * conversion runs once per image instead of once per crop (numCrops x fewer pixels).
 */
export function cropSource(image: tf.Tensor3D, opts: CropOptions): tf.Tensor3D {
  return tf.tidy(() => {
    const f = toFloat(image);
    if (f.shape[2] === 3 && opts.channels === 1)
      return tf.sum(tf.mul(f, tf.tensor1d([0.299, 0.587, 0.114])), 2, true) as tf.Tensor3D;
    return f;
  });
}

/**
 * All boxes of one image -> [boxes.length, outSize, outSize, channels], in box order.
 * `image` is HxWxC with values in [0,255] (fromPixels output or decoded bytes), uploaded once.
 */
export function cropsFromImage(
  image: CropImage,
  boxes: CropBox[],
  outSize: number,
  opts: CropOptions,
): tf.Tensor4D {
  if (boxes.length === 0) throw new Error('cropsFromImage: no boxes');
  return tf.tidy(() => {
    const [h, w] = sizeOf(image);
    const padded = tf.expandDims(paddedSource(image, opts), 0) as tf.Tensor4D;
    const coords = tf.tensor2d(
      boxes.map((b) => cropAndResizeBox(b, h, w, outSize)),
      [boxes.length, 4],
    );
    const boxInd = tf.zeros([boxes.length], 'int32') as tf.Tensor1D;
    const crops = tf.image.cropAndResize(padded, coords, boxInd, [outSize, outSize], 'bilinear');
    return normaliseCrops(crops, opts);
  });
}

/**
 * The row order of a training batch, CROP-MAJOR as the reference loader collates it (docs/fkd.md):
 * [slot 0 of every image, slot 1 of every image, ...]. The one place that order is spelled out:
 * targets, labels and the live view's rows are all laid out through it.
 */
export class CropRows {
  constructor(
    readonly images: number,
    readonly crops: number,
  ) {}

  get size(): number {
    return this.images * this.crops;
  }

  /** The batch row of crop `slot` of image `image`. */
  row(image: number, slot: number): number {
    return slot * this.images + image;
  }

  /** Image `image`'s rows, in slot order. */
  rowsOf(image: number): number[] {
    return Array.from({ length: this.crops }, (_, slot) => this.row(image, slot));
  }

  /** Visits every (image, slot) with its row, in row order. */
  forEach(visit: (row: number, image: number, slot: number) => void): void {
    for (let slot = 0; slot < this.crops; slot++)
      for (let image = 0; image < this.images; image++) visit(this.row(image, slot), image, slot);
  }
}

/** A training batch of crops and where each image's crops are in it. */
export interface CropBatch {
  x: tf.Tensor4D;
  rows: CropRows;
}

/**
 * All crops of a batch of images in CropRows order. Every image must bring the same number of boxes.
 * When all images share one size (the embedded 28x28 set) everything is a single cropAndResize call.
 */
export function batchFromImages(
  images: { pixels: CropImage; boxes: CropBox[] }[],
  outSize: number,
  opts: CropOptions,
): CropBatch {
  if (images.length === 0) throw new Error('batchFromImages: no images');
  const numCrops = images[0].boxes.length;
  for (const im of images) {
    if (im.boxes.length !== numCrops) {
      throw new Error(`batchFromImages: every image needs ${numCrops} boxes, got ${im.boxes.length}`);
    }
  }
  const rows = new CropRows(images.length, numCrops);
  const first = sizeOf(images[0].pixels);
  const sameShape = images.every((im) => tf.util.arraysEqual(sizeOf(im.pixels), first));
  const x = tf.tidy(() => {
    if (sameShape) {
      const [h, w] = first;
      const stack = tf.stack(images.map((im) => paddedSource(im.pixels, opts))) as tf.Tensor4D;
      const coords: number[][] = new Array<number[]>(rows.size);
      const boxInd = new Int32Array(rows.size);
      rows.forEach((row, i, slot) => {
        coords[row] = cropAndResizeBox(images[i].boxes[slot], h, w, outSize);
        boxInd[row] = i;
      });
      const crops = tf.image.cropAndResize(
        stack,
        tf.tensor2d(coords, [coords.length, 4]),
        tf.tensor1d(boxInd, 'int32'),
        [outSize, outSize],
        'bilinear',
      );
      return normaliseCrops(crops, opts);
    }
    // Mixed sizes: one call per image (image-major [I, K, ...]), then the transpose to CropRows order
    // [K, I, ...] -> [K*I, ...].
    const perImage = images.map((im) => cropsFromImage(im.pixels, im.boxes, outSize, opts));
    const stacked = tf.stack(perImage);
    const c = stacked.shape[4] as number;
    return tf.reshape(tf.transpose(stacked, [1, 0, 2, 3, 4]), [
      rows.size,
      outSize,
      outSize,
      c,
    ]) as tf.Tensor4D;
  });
  return { x, rows };
}

/**
 * The evaluation view of one image (docs/fkd.md, Evaluation: shorter side -> size*256/224, centre crop size),
 * as core's evalCropBox on the original image: one cropAndResize reproduces resize-then-crop exactly,
 * because both sample the same source coordinates (see the convention at the top). [1, size, size, C].
 */
export function evalCrops(image: CropImage, size: number, opts: CropOptions): tf.Tensor4D {
  const [h, w] = sizeOf(image);
  return cropsFromImage(image, [evalCropBox(w, h, size)], size, opts);
}
