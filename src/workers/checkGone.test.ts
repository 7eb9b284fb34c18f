import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { CHANGED_ON_DISK } from '../data/reopenCheck';
import { getDataset, liveImages, openStudioDb, putDataset } from '../store';
import { runCheck } from './checkJob';
import { registerSessionFiles, setBaseUrl } from './datasets';
import { runIndex } from './indexJob';

function file(path: string): File {
  const f = new File(['JPEGBYTES'], path.split('/').at(-1)!, { lastModified: 1000 });
  Object.defineProperty(f, 'webkitRelativePath', { value: `picked/${path}` });
  return f;
}

describe('re-open check of a stored index', () => {
  it('keeps the gone indices per split, so readers count and skip them, and drops one that comes back', async () => {
    setBaseUrl('http://127.0.0.1:9/');
    const id = 'files:check-gone';
    const paths = ['a', 'b'].flatMap((c) => [0, 1, 2].map((i) => `${c}/${i}.jpg`));
    const files = paths.map(file);
    await runIndex(
      { datasetId: id, name: 'picked', source: { kind: 'files', files, name: 'picked' }, valFraction: 0 },
      new AbortController().signal,
    );
    const db = await openStudioDb();
    expect(liveImages((await getDataset(db, id))!, 'train')).toBe(6);

    registerSessionFiles(
      id,
      files.filter((_, i) => i !== 1 && i !== 4),
    );
    const first = await runCheck(id, new AbortController().signal);
    expect(first.removed).toEqual({ count: 2, paths: ['a/1.jpg', 'b/1.jpg'] });
    expect(first).toMatchObject({ unitsByName: 2, unitsUnchanged: 0 });
    let d = (await getDataset(db, id))!;
    expect(d.gone).toEqual({ train: [1, 4], val: [] });
    expect(liveImages(d, 'train')).toBe(4);

    registerSessionFiles(
      id,
      files.filter((_, i) => i !== 4),
    );
    const second = await runCheck(id, new AbortController().signal);
    expect(second.changed.paths).toEqual(['a/1.jpg']);
    d = (await getDataset(db, id))!;
    expect(d.gone).toEqual({ train: [4], val: [] });

    // Nothing changed since: the names alone say so and the sample finds every size and date as indexed.
    const third = await runCheck(id, new AbortController().signal);
    expect(third).toMatchObject({ unitsUnchanged: 2, sampled: 5, sampleMismatches: 0 });

    // A job's "changed on disk" skip sends its folder through the full comparison, then leaves the report.
    const problem = { path: 'b/2.jpg', reason: `${CHANGED_ON_DISK} (9 → 3 bytes)`, kind: 'skipped' };
    await putDataset(db, { ...d, extra: { ...d.extra, decodeProblems: [problem] } });
    const fourth = await runCheck(id, new AbortController().signal);
    expect(fourth.unitsUnchanged).toBe(1);
    expect((await getDataset(db, id))!.extra!.decodeProblems).toEqual([]);
  });
});
