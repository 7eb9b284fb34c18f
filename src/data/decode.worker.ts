/**
 * A decode worker of the pool (data/decodePool.ts): sniff + createImageBitmap + pixel read off the
 * thread that runs the model, pixels handed back by transfer (no copy).
 */
import { decodeSlot, setCpuSlots } from './cpuSlots';
import { decodeImage, type DecodeOptions } from './decode';
import type { DecodeReply, DecodeRequest } from './decodePool';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(msg: DecodeReply, transfer?: Transferable[]): void;
};

const queued: DecodeRequest[] = [];
let draining = false;

function decodeOne({ id, blob, opts }: DecodeRequest): Promise<void> {
  return decodeImage(blob, opts as DecodeOptions).then(
    (result) => {
      const transfer = 'pixels' in result ? [result.pixels.buffer as ArrayBuffer] : [];
      scope.postMessage({ id, result }, transfer);
    },
    (err: unknown) => scope.postMessage({ id, crash: String((err as Error)?.message ?? err) }),
  );
}

/**
 * Decodes what is queued under one slot of the studio's CPU budget (data/cpuSlots.ts), then gives the
 * slot back before the next round: a step's images arrive together, so they cost the other jobs one
 * turn, not one turn per image.
 */
async function drain(): Promise<void> {
  draining = true;
  try {
    while (queued.length > 0) {
      // Web Locks failing must not strand the queue: decode without a slot then.
      const release = await decodeSlot().catch(() => () => undefined);
      try {
        await Promise.all(queued.splice(0).map(decodeOne));
      } finally {
        release();
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
