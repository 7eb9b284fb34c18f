import { afterEach, describe, expect, it, vi } from 'vitest';
import { FsaSource } from './fsaSource';
import { GcNudge, fsaNudge } from './gcNudge';
import { listAll } from './source';
import { FakeFs } from './testing/fakeFsa';
import { JPEG_BYTES as J } from './testing/run';

afterEach(() => vi.restoreAllMocks());

describe('GcNudge', () => {
  it('fires once each time `every` more handles were counted, the remainder carried over', () => {
    const fire = vi.fn();
    const n = new GcNudge(100, fire);
    n.tick(99);
    expect(fire).not.toHaveBeenCalled();
    n.tick(1);
    expect(fire).toHaveBeenCalledTimes(1);
    n.tick(150);
    expect(fire).toHaveBeenCalledTimes(2);
    n.tick(49);
    expect(fire).toHaveBeenCalledTimes(2);
    n.tick(1);
    expect(fire).toHaveBeenCalledTimes(3);
  });

  it('the real nudge neither throws nor keeps anything', () => {
    expect(() => new GcNudge(1).tick()).not.toThrow();
  });

  it('FSA listings count every handle and every File they make; a names-only listing its handles', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 300; i++) files[`train/c${i % 3}/f${i}.jpg`] = J;
    const src = new FsaSource(new FakeFs(files).handle());
    const tick = vi.spyOn(fsaNudge, 'tick');
    const count = () => tick.mock.calls.reduce((a, [n]) => a + (n ?? 1), 0);
    const listed = await listAll(src, ['train', 'c0']);
    expect(listed).toHaveLength(100);
    // 100 file handles and 100 Files.
    expect(count()).toBe(200);
    tick.mockClear();
    for await (const e of src.listNames(['train', 'c1'])) expect(e.kind).toBe('file');
    expect(count()).toBe(100);
    tick.mockClear();
    await src.open(['train', 'c2', 'f2.jpg']);
    expect(count()).toBe(2);
  });
});
