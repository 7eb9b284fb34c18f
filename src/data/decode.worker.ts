/**
 * A decode worker of the pool (data/decodePool.ts): sniff + createImageBitmap + pixel read off the
 * thread that runs the model, pixels handed back by transfer (no copy).
 */
import { decodeImage, type DecodeOptions } from './decode';
import type { DecodeReply, DecodeRequest } from './decodePool';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(msg: DecodeReply, transfer?: Transferable[]): void;
};

scope.onmessage = (e) => {
  const { id, blob, opts } = e.data;
  void decodeImage(blob, opts as DecodeOptions).then(
    (result) => {
      const transfer = 'pixels' in result ? [result.pixels.buffer as ArrayBuffer] : [];
      scope.postMessage({ id, result }, transfer);
    },
    (err: unknown) => scope.postMessage({ id, crash: String((err as Error)?.message ?? err) }),
  );
};
