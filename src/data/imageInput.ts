/**
 * An image file as the dataset readers hand it to the decoders: its bytes where they are already in
 * this worker's memory (the studio copy's read, a WebDataset tar member), else the file itself (a
 * picked folder's File, which the reader never holds in memory).
 *
 * Bytes are not wrapped in a Blob on the way: every Blob a worker makes is registered in Chrome's
 * browser-process blob registry, which keeps memory for it until its JS wrapper is garbage-collected,
 * and posting a Blob to another worker takes another handle on it. Per image, over an ImageNet-size
 * epoch, that is memory outside every heap the studio can see. So a Blob is made only where an API
 * needs one (createImageBitmap, the page's object URLs), and only when it is called.
 */
export type ImageInput = Blob | Uint8Array<ArrayBuffer>;

export function isImageBytes(input: ImageInput): input is Uint8Array<ArrayBuffer> {
  return ArrayBuffer.isView(input);
}

export function imageInputSize(input: ImageInput): number {
  return isImageBytes(input) ? input.byteLength : input.size;
}

/** The whole file's bytes: the bytes themselves (not a copy), or one read of the file. */
export async function imageInputBytes(input: ImageInput): Promise<Uint8Array<ArrayBuffer>> {
  return isImageBytes(input) ? input : new Uint8Array(await input.arrayBuffer());
}

/** Bytes `start` to `end` (a view of in-memory bytes, or one read of that slice of the file). */
export async function imageInputSlice(
  input: ImageInput,
  start: number,
  end: number,
): Promise<Uint8Array<ArrayBuffer>> {
  return isImageBytes(input)
    ? input.subarray(start, Math.min(end, input.length))
    : new Uint8Array(await input.slice(start, end).arrayBuffer());
}

/**
 * The input as a Blob, for an API that takes nothing else: made here (one blob-registry entry), so
 * call it only on the path that passes it on.
 */
export function imageInputBlob(input: ImageInput, type = ''): Blob {
  return isImageBytes(input) ? new Blob([input], { type }) : input;
}
