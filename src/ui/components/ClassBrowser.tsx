/** Per-class counts, lazy thumbnails and the decode-problem report of a user's dataset. */
import { Fragment, useEffect, useState } from 'react';
import type { Dataset } from '../../store';
import { useStudio } from '../studio';

/** Thumbnails shown when a class row is expanded. */
const THUMBS_PER_CLASS = 24;

export interface DecodeProblemRow {
  path: string;
  reason: string;
  kind: 'skipped' | 'warning';
}

/** What the index job tallied (`extra.classCounts`); absent for datasets indexed before it did. */
function classCountsOf(d: Dataset): Record<string, { train: number; val: number }> | undefined {
  const c = d.extra?.classCounts;
  return c && typeof c === 'object' ? (c as Record<string, { train: number; val: number }>) : undefined;
}

/** Decode-time problems the jobs recorded (src/workers/decodeReport.ts). */
export function decodeProblemsOf(d: Dataset): DecodeProblemRow[] {
  const list = d.extra?.decodeProblems;
  return Array.isArray(list) ? (list as DecodeProblemRow[]) : [];
}

/**
 * A class's first images, read through the teacher worker (the main thread cannot read the folder
 * handle's files). Mounted only while its row is expanded; object URLs are revoked on unmount.
 */
function ClassThumbs({
  datasetId,
  split,
  classIndex,
  name,
}: {
  datasetId: string;
  split: 'train' | 'val';
  classIndex: number;
  name: string;
}) {
  const studio = useStudio();
  const [thumbs, setThumbs] = useState<{ index: number; url: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const made: string[] = [];
    void (async () => {
      try {
        const api = studio.teacher.api;
        const indices = await api.classSamples(datasetId, split, classIndex, THUMBS_PER_CLASS);
        if (live) setThumbs([]);
        for (const index of indices) {
          const blob = await api.imageBlob(datasetId, split, index);
          if (!live) return;
          const url = URL.createObjectURL(blob);
          made.push(url);
          setThumbs((t) => [...(t ?? []), { index, url }]);
        }
      } catch (e) {
        if (live) setError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      live = false;
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [studio, datasetId, split, classIndex]);
  if (error) return <span className="muted">{error}</span>;
  if (!thumbs) return <span className="muted">Loading…</span>;
  if (thumbs.length === 0) return <span className="muted">no {split} images</span>;
  return (
    <div className="thumbs" data-testid="class-thumbs">
      {thumbs.map((t) => (
        <img
          key={t.index}
          src={t.url}
          alt={`${name} ${split} ${t.index}`}
          title={`${split} image ${t.index}`}
          style={{ objectFit: 'cover', imageRendering: 'auto' }}
        />
      ))}
    </div>
  );
}

/** Class list with train/val counts; a row's thumbnails load only when it is expanded. */
export function ClassBrowser({ d }: { d: Dataset }) {
  const [open, setOpen] = useState<Set<number>>(() => new Set());
  const counts = classCountsOf(d);
  const toggle = (c: number) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(c)) n.delete(c);
      else n.add(c);
      return n;
    });
  return (
    <details data-testid="class-browser">
      <summary>images per class (train / val) and thumbnails</summary>
      <table className="grid">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>name</th>
            <th className="num">train</th>
            <th className="num">val</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {d.classes.map((c) => {
            const n = counts?.[c.index];
            const expanded = open.has(c.index);
            const split = (n?.train ?? 1) > 0 ? 'train' : 'val';
            return (
              <Fragment key={c.index}>
                <tr data-testid="class-count-row" data-class={c.index}>
                  <td className="num">{c.index}</td>
                  <td>{c.name}</td>
                  <td className="num" data-testid="class-train">
                    {n ? n.train : '–'}
                  </td>
                  <td className="num" data-testid="class-val">
                    {n ? n.val : '–'}
                  </td>
                  <td>
                    <button aria-expanded={expanded} onClick={() => toggle(c.index)}>
                      {expanded ? 'hide images' : 'show images'}
                    </button>
                  </td>
                </tr>
                {expanded && (
                  <tr>
                    <td colSpan={5}>
                      <ClassThumbs datasetId={d.id} split={split} classIndex={c.index} name={c.name} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {!counts && <p className="muted">Re-open the folder to count images per class.</p>}
    </details>
  );
}
