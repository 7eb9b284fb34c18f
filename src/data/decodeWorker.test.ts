import { describe, expect, it, vi } from 'vitest';
import type { DecodeReply, DecodeRequest } from './decodePool';

const { decodeImage } = vi.hoisted(() => ({ decodeImage: vi.fn() }));
vi.mock('./decode', () => ({ decodeImage }));

/** The decode worker's global scope: the test posts requests in and reads the replies. */
const replies: { msg: DecodeReply; transfer: Transferable[] }[] = [];
const scope = {
  onmessage: null as ((e: MessageEvent<DecodeRequest>) => void) | null,
  postMessage(msg: DecodeReply, transfer: Transferable[] = []) {
    replies.push({ msg, transfer });
  },
};
vi.stubGlobal('self', scope);
await import('./decode.worker');

async function send(
  req: Omit<DecodeRequest, 'slots'>,
): Promise<{ msg: DecodeReply; transfer: Transferable[] }> {
  const before = replies.length;
  scope.onmessage!({ data: { ...req, slots: 1 } } as MessageEvent<DecodeRequest>);
  await vi.waitFor(() => expect(replies.length).toBeGreaterThan(before));
  return replies[before];
}

describe('decode.worker', () => {
  it('hands the bytes back with a crash reply, so the pool can decode the same image itself', async () => {
    decodeImage.mockRejectedValueOnce(new Error('out of memory'));
    const bytes = new Uint8Array([1, 2, 3]);
    const { msg, transfer } = await send({ id: 1, input: bytes, opts: {} });
    expect(msg).toEqual({ id: 1, crash: 'out of memory', input: bytes });
    expect(transfer).toEqual([bytes.buffer]);
  });

  it('hands nothing back for a Blob (the pool still holds it) and moves the pixels of a decode', async () => {
    decodeImage.mockRejectedValueOnce(new Error('NotFoundError'));
    const crashed = await send({ id: 2, input: new Blob(['x']), opts: {} });
    expect(crashed.msg).toEqual({ id: 2, crash: 'NotFoundError', input: undefined });
    expect(crashed.transfer).toEqual([]);
    const pixels = new Uint8ClampedArray(4);
    decodeImage.mockResolvedValueOnce({ pixels, width: 1, height: 1 });
    const ok = await send({ id: 3, input: new Uint8Array([1]), opts: {} });
    expect(ok.msg).toMatchObject({ id: 3, result: { width: 1 } });
    expect(ok.transfer).toEqual([pixels.buffer]);
  });
});
