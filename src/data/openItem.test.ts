import { describe, expect, it } from 'vitest';
import { FsaSource } from './fsaSource';
import { imageInputBytes, type ImageInput } from './imageInput';
import { openItem, readShardItems } from './openItem';
import { FakeFs } from './testing/fakeFsa';
import { runIndex } from './testing/run';
import { ustar } from './testing/ustar';

const img = (n: number): Uint8Array => new Uint8Array([0xff, 0xd8, 0xff, n]);
const bytesOf = async (input: ImageInput | Promise<ImageInput>) => imageInputBytes(await input);

/** Bytes handed over as they are, in a buffer of their own (the decode pool may move it), not a Blob. */
function expectOwnBytes(input: ImageInput): void {
  expect(input).toBeInstanceOf(Uint8Array);
  const bytes = input as Uint8Array;
  expect(bytes.byteOffset).toBe(0);
  expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
}

describe('reading items back', () => {
  it('returns shard items as bytes and folder items as their File, and reads many shard items in one pass', async () => {
    const tar = ustar([
      ['a.cls', '0'],
      ['a.jpg', img(1)],
      ['b.cls', '1'],
      ['b.png', img(2)],
      ['c.cls', '1'],
      ['c.jpg', img(3)],
    ]);
    const fs = new FakeFs({
      'train/s-0.tar': tar,
      'val/s-1.tar': ustar([
        ['v.cls', '0'],
        ['v.jpg', img(9)],
      ]),
    });
    const src = new FsaSource(fs.handle());
    const { items } = await runIndex(src);
    const shardItems = items.filter((i) => i.shard === 'train/s-0.tar');
    const got: number[] = [];
    for await (const { item, bytes } of readShardItems(src, 'train/s-0.tar', [
      shardItems[2],
      shardItems[0],
    ])) {
      expectOwnBytes(bytes);
      got.push(bytes[3]);
      expect(item.shard).toBe('train/s-0.tar');
    }
    expect(got).toEqual([1, 3]);
    const member = await openItem(src, shardItems[1]);
    expectOwnBytes(member);
    expect(member).toEqual(img(2));

    const folder = new FsaSource(new FakeFs({ 'train/c/x.jpg': img(5) }).handle());
    const f = await runIndex(folder);
    const file = await openItem(folder, f.items[0]);
    expect(file).toBeInstanceOf(Blob);
    expect((await bytesOf(file))[3]).toBe(5);
  });

  it('detects a shard that changed since indexing', async () => {
    const fs = new FakeFs({
      'train/s.tar': ustar([
        ['a.cls', '0'],
        ['a.jpg', img(1)],
      ]),
    });
    const src = new FsaSource(fs.handle());
    const { items } = await runIndex(src);
    fs.add(
      'train/s.tar',
      ustar([
        ['z.cls', '0'],
        ['z.jpg', img(1)],
      ]),
    );
    await expect(openItem(src, items[0])).rejects.toThrow(/changed since indexing/);
  });

  it('reads a shard item as one slice and names what a rewritten or cut shard holds instead', async () => {
    const members: [string, Uint8Array | string][] = [
      ['a.cls', '0'],
      ['a.jpg', img(1)],
      ['b.cls', '0'],
      ['b.JPG', img(2)],
    ];
    const fs = new FakeFs({ 'train/s.tar': ustar(members) });
    const src = new FsaSource(fs.handle());
    const { items } = await runIndex(src);
    expect(items.map((i) => [i.path, i.headerAt, i.dataAt])).toEqual([
      ['a.jpg', 1024, 1536],
      ['b.jpg', 3072, 3584],
    ]);
    const slice = await openItem(src, items[1]);
    expectOwnBytes(slice);
    expect(slice).toEqual(img(2));
    // The same sizes, another member at b's place.
    fs.add('train/s.tar', ustar([...members.slice(0, 2), ['c.cls', '0'], ['c.jpg', img(2)]]));
    await expect(openItem(src, items[1])).rejects.toThrow(/changed since indexing: byte 3072 holds "c.jpg"/);
    // Cut before b's data ends.
    fs.add('train/s.tar', ustar(members).slice(0, 3586));
    await expect(openItem(src, items[1])).rejects.toThrow(/changed since indexing: it is 3586 bytes/);
    // Overwritten: no tar header where b's was.
    const garbled = ustar(members);
    garbled.fill(0x41, 3072, 3584);
    fs.add('train/s.tar', garbled);
    await expect(openItem(src, items[1])).rejects.toThrow(
      /changed since indexing: no whole tar member at byte 3072/,
    );
  });
});
