import { afterEach, describe, expect, it } from 'vitest';
import { FsaSource, type DirHandleLike, type FileHandleLike } from '../data/fsaSource';
import { ensurePermission, PermissionLostError } from '../data/permissions';
import { SourceNotFoundError } from '../data/source';
import { injectSourceFault, withSourceFault } from './sourceFault';

/** An in-memory folder handle: directories of files with fixed bytes. */
function folder(name: string, tree: Record<string, string | Record<string, string>>): DirHandleLike {
  const child = (n: string, v: string | Record<string, string>): DirHandleLike | FileHandleLike =>
    typeof v === 'string' ? { kind: 'file', name: n, getFile: async () => new Blob([v]) } : folder(n, v);
  const find = (n: string) => {
    if (!(n in tree)) throw new DOMException(n, 'NotFoundError');
    return child(n, tree[n]);
  };
  return {
    kind: 'directory',
    name,
    async *entries() {
      for (const [n, v] of Object.entries(tree)) yield [n, child(n, v)];
    },
    getDirectoryHandle: async (n) => find(n) as DirHandleLike,
    getFileHandle: async (n) => find(n) as FileHandleLike,
  };
}

const tree = { cat: { 'a.jpg': 'A', 'b.jpg': 'B' }, dog: { 'c.jpg': 'C' } };

describe('test-build source fault', () => {
  afterEach(() => injectSourceFault(null));

  it('answers like the real folder without a fault', async () => {
    const src = new FsaSource(withSourceFault(folder('pets', tree)), 'pets');
    expect(await (await src.open(['cat', 'b.jpg'])).text()).toBe('B');
    const names: string[] = [];
    for await (const e of src.list(['cat'])) names.push(e.name);
    expect(names).toEqual(['a.jpg', 'b.jpg']);
    expect(await ensurePermission(withSourceFault(folder('pets', tree)) as never, 'read', false)).toBe(
      'granted',
    );
  });

  it('a revoked grant, mid-use: reads become PermissionLostError and the permission reads prompt until cleared', async () => {
    const handle = withSourceFault(folder('pets', tree));
    const src = new FsaSource(handle, 'pets');
    expect(await (await src.open(['cat', 'a.jpg'])).text()).toBe('A');
    injectSourceFault({ name: 'NotAllowedError' });
    await expect(src.open(['cat', 'b.jpg'])).rejects.toBeInstanceOf(PermissionLostError);
    await expect(src.open(['dog', 'c.jpg'])).rejects.toThrow('permission to read "pets" was lost');
    expect(await ensurePermission(handle as never, 'read', false)).toBe('prompt');
    injectSourceFault(null);
    expect(await ensurePermission(handle as never, 'read', false)).toBe('granted');
    expect(await (await src.open(['cat', 'b.jpg'])).text()).toBe('B');
  });

  it('deleted files: only those paths become SourceNotFoundError, the rest reads', async () => {
    const src = new FsaSource(withSourceFault(folder('pets', tree)), 'pets');
    injectSourceFault({ name: 'NotFoundError', paths: ['cat/b.jpg'] });
    await expect(src.open(['cat', 'b.jpg'])).rejects.toBeInstanceOf(SourceNotFoundError);
    expect(await (await src.open(['cat', 'a.jpg'])).text()).toBe('A');
    expect(await (await src.open(['dog', 'c.jpg'])).text()).toBe('C');
  });
});
