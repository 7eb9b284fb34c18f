/**
 * A decode worker of the pool (data/decodePool.ts): sniff, decode (data/decode.ts: WebCodecs'
 * ImageDecoder, or createImageBitmap) and pixel read off the thread that runs the model, pixels handed
 * back by transfer (no copy).
 */
import { decodeSlot, setCpuSlots, whileHeld } from './cpuSlots';
import { decodeImage, type DecodedPixels, type DecodeFailure, type DecodeOptions } from './decode';
import type { DecodeReply, DecodeRequest } from './decodePool';
import { isImageBytes, type ImageInput } from './imageInput';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(msg: DecodeReply, transfer?: Transferable[]): void;
};

const queued: DecodeRequest[] = [];
let draining = false;

/**
 * Every request is answered, a decode that throws included: with a crash reply that hands the bytes
 * back (they were moved here, and the pool decodes them again on its own thread), never with an
 * uncaught error, which would make the pool drop this worker and the bytes of every image in flight.
 */
async function decodeOne({ id, input, opts }: DecodeRequest): Promise<void> {
  let result: DecodedPixels | DecodeFailure;
  try {
    result = await decodeImage(input, opts as DecodeOptions);
  } catch (err) {
    crash(id, input, err);
    return;
  }
  try {
    const transfer = 'pixels' in result ? [result.pixels.buffer as ArrayBuffer] : [];
    scope.postMessage({ id, result }, transfer);
  } catch (err) {
    crash(id, input, err);
  }
}

function crash(id: number, input: ImageInput, err: unknown): void {
  const bytes = isImageBytes(input) ? input : undefined;
  scope.postMessage(
    { id, crash: String((err as Error)?.message ?? err), input: bytes },
    bytes ? [bytes.buffer] : [],
  );
}

/**
 * Images in flight at once in a decode worker. The browser's decoders (ImageDecoder, createImageBitmap)
 * run on Chromium's thread pool, not on this thread, so a round started all at once (dozens of images)
 * put several decodes on the cores beside the model thread and the page, outside any budget: with FKD
 * training alone the page's frames waited behind them, and two at a time kept the training speed
 * (docs/results.md, bench:train). With a slot held, each next image starts only while the slot is, so
 * after the page takes it at most this many finish.
 */
const ROUND_IN_FLIGHT = 2;

/**
 * Decodes what is queued under one slot of the studio's CPU budget (data/cpuSlots.ts), then gives the
 * slot back before the next round: a step's images arrive together, so they cost the other jobs one
 * turn, not one turn per image. A round queued behind a long teacher batch can be dozens of images, a
 * few hundred ms of decoding (bench:ui traced), so once the page has taken the slot for its turn
 * (ui/pageTurn.ts) the rest of the round waits for the next one.
 */
async function drain(): Promise<void> {
  draining = true;
  try {
    while (queued.length > 0) {
      // Web Locks failing must not strand the queue: decode without a slot then.
      const release = await decodeSlot().catch(() => null);
      try {
        queued.unshift(...(await whileHeld(release, queued.splice(0), ROUND_IN_FLIGHT, decodeOne)));
      } finally {
        release?.();
      }
    }
  } finally {
    draining = false;
  }
}

scope.onmessage = (e) => {
  setCpuSlots(e.data.slots);
  queued.push(e.data);
  if (!draining) void drain();
};
