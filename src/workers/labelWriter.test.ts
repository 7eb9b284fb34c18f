import { describe, expect, it } from 'vitest';
import { LabelWriter, type LabelWrite } from './labelWriter';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('LabelWriter', () => {
  it('writes whole batches at the image or byte limit, one transaction in flight', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let peak = 0;
    const w = new LabelWriter(
      async (b: LabelWrite[]) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await tick(2);
        batches.push(b.map((x) => x.imageIndex));
        inFlight--;
      },
      { images: 3, bytes: 100 },
    );
    for (let i = 0; i < 7; i++) await w.add(i, new Uint8Array(10));
    await w.add(7, new Uint8Array(120)); // over the byte limit on its own
    await w.add(8, new Uint8Array(10));
    await w.close();
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6, 7], [8]]);
    expect(peak).toBe(1);
  });

  it('a failed write surfaces at the next flush, and close reports it', async () => {
    let calls = 0;
    const w = new LabelWriter(
      async () => {
        calls++;
        throw new Error('QuotaExceededError');
      },
      { images: 1, bytes: 1e9 },
    );
    await w.add(0, new Uint8Array(1)); // starts the failing write
    await expect(w.add(1, new Uint8Array(1))).rejects.toThrow('QuotaExceededError');
    await w.settle(); // cleanup never throws
    expect(calls).toBe(1);
  });

  it('close with nothing queued writes nothing', async () => {
    let calls = 0;
    const w = new LabelWriter(async () => void calls++);
    await w.close();
    expect(calls).toBe(0);
  });
});
