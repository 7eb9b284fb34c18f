import { useEffect, useState } from 'react';
import {
  deleteDataset,
  getHandle,
  listDatasets,
  listLabelSets,
  openStudioDb,
  type Dataset,
} from '../../store';
import { ensurePermission } from '../../data/permissions';
import { fileListTooLarge, FILE_LIST_LIMIT } from '../../data/filesSource';
import { cancelIndexing, checkForChanges, resumeIndexing } from '../indexActions';
import { CheckReport, IncompleteIndex } from './IndexStatus';
import { openDirectory, openFiles } from '../actions';
import { formatBytes } from '../format';
import { jobStore, useJobs } from '../jobStore';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { JobProgressBar } from './JobProgressBar';
import { ClassBrowser, decodeProblemsOf } from './ClassBrowser';
import { PackPanel } from './PackPanel';
import { SkipTable } from './SkipTable';
import { removeCopy } from '../packActions';
import { ErrorBanner } from './ErrorBanner';

declare global {
  interface Window {
    showDirectoryPicker?: (opts?: {
      mode?: 'read' | 'readwrite';
      id?: string;
    }) => Promise<FileSystemDirectoryHandle>;
  }
}

export function FolderDatasets() {
  const studio = useStudio();
  const { data: datasets } = useStoreQuery((db) => listDatasets(db));
  const { data: labelSets } = useStoreQuery((db) => listLabelSets(db));
  const indexing = useJobs((s) => s.indexing);
  const [error, setError] = useState<string | null>(null);
  const [needsGrant, setNeedsGrant] = useState<Record<string, boolean>>({});
  const mine = (datasets ?? []).filter((d) => d.source !== 'embedded');

  useEffect(() => {
    void (async () => {
      const db = await openStudioDb();
      const out: Record<string, boolean> = {};
      for (const d of mine) {
        if (!d.handleId) continue;
        const h = await getHandle(db, d.handleId);
        if (h) out[d.id] = (await ensurePermission(h.handle as never, 'read', false)) !== 'granted';
      }
      setNeedsGrant(out);
    })();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [datasets]);

  const run = (p: Promise<unknown>) =>
    p.catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  /** The file-list fallback, refused with a clear message past what the browser can hold. */
  const openList = (files: File[], name: string) => {
    const tooLarge = fileListTooLarge(files.length);
    if (tooLarge) setError(tooLarge);
    else void run(openFiles(studio, files, name));
  };

  async function pick() {
    if (!window.showDirectoryPicker) return;
    const handle = await window.showDirectoryPicker({ mode: 'read', id: 'fkd-data' }).catch(() => null);
    if (handle) await run(openDirectory(studio, handle));
  }

  async function grant(datasetId: string, handleId: string) {
    const db = await openStudioDb();
    const h = await getHandle(db, handleId);
    if (!h) return;
    // Must run inside this click: requestPermission needs a user gesture.
    const state = await ensurePermission(h.handle as never, 'read', true);
    setNeedsGrant((g) => ({ ...g, [datasetId]: state !== 'granted' }));
  }

  return (
    <section
      className="panel"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const item = [...e.dataTransfer.items].find((i) => i.kind === 'file');
        const getHandle = (
          item as unknown as { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> }
        )?.getAsFileSystemHandle;
        if (getHandle) {
          void getHandle
            .call(item)
            .then(
              (h) => h?.kind === 'directory' && run(openDirectory(studio, h as FileSystemDirectoryHandle)),
            );
        } else {
          const files = [...e.dataTransfer.files];
          if (files.length) openList(files, 'dropped files');
        }
      }}
    >
      <h2>Your data</h2>
      <p className="muted">
        An ImageNet-style folder (<code>train/&lt;class&gt;/*</code>, <code>val/&lt;class&gt;/*</code>, or a
        bare <code>&lt;class&gt;/*</code> tree), WebDataset <code>.tar</code> shards, or a flat{' '}
        <code>val/</code> with a label file. Files are read where they are: nothing is uploaded, and nothing
        is copied unless you ask (Copy into studio storage, per dataset). Drop a folder here or:
      </p>
      <div className="row">
        {window.showDirectoryPicker ? (
          <button className="primary" onClick={() => void pick()}>
            Open folder…
          </button>
        ) : (
          <span className="muted">
            This browser has no folder picker (File System Access); use the file input.
          </span>
        )}
        <label className="field">
          Or choose a folder (works everywhere; must be re-chosen after a reload; up to{' '}
          {FILE_LIST_LIMIT.toLocaleString()} files, since the browser holds them all in memory)
          <input
            aria-label="Choose folder"
            data-testid="folder-input"
            type="file"
            webkitdirectory=""
            multiple
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              const name = files[0]?.webkitRelativePath.split('/')[0] || 'chosen folder';
              if (files.length) openList(files, name);
            }}
          />
        </label>
      </div>
      {Object.entries(indexing)
        .filter(([, p]) => p)
        .map(([id, p]) => (
          <div key={id} className="row" style={{ alignItems: 'center' }}>
            <JobProgressBar progress={p} testId="index-progress" />
            <button data-testid="index-cancel" onClick={() => cancelIndexing(studio, id)}>
              Cancel
            </button>
          </div>
        ))}
      <ErrorBanner error={error} />
      {mine.map((d) => {
        const sets = (labelSets ?? []).filter((s) => s.datasetId === d.id);
        const skippedTotal = (d.extra?.skippedTotal as number | undefined) ?? d.skipped.length;
        const problems = decodeProblemsOf(d);
        const notListed = (d.extra?.decodeProblemsNotListed as number | undefined) ?? 0;
        return (
          <div
            key={d.id}
            data-testid="user-dataset"
            data-name={d.name}
            style={{ borderTop: '1px solid var(--line)', paddingTop: 8, marginTop: 8 }}
          >
            <strong>{d.name}</strong>{' '}
            <span className="muted">
              {d.layout} · {d.classes.length} classes
              {d.numClasses !== d.classes.length && ` (of ${d.numClasses})`} ·{' '}
              <span data-testid="user-train">{d.counts.train}</span> train /{' '}
              <span data-testid="user-val">{d.counts.val}</span> val ·{' '}
              {goneCount(d) > 0 && (
                <>
                  <span data-testid="user-gone">{goneCount(d)}</span> gone from the folder (left out) ·{' '}
                </>
              )}
              <span data-testid="user-skipped">{skippedTotal}</span> skipped · labels{' '}
              {formatBytes(sets.reduce((a, s) => a + s.bytes, 0))}
            </span>{' '}
            {needsGrant[d.id] && d.handleId && (
              <button className="primary" onClick={() => void grant(d.id, d.handleId!)}>
                Grant access again
              </button>
            )}{' '}
            {d.units && d.units.length > 0 && !d.indexing && d.source === 'folder' && (
              <button disabled={!!indexing[d.id]} onClick={() => void run(checkForChanges(studio, d.id))}>
                Check for changes
              </button>
            )}{' '}
            <button
              onClick={async () => {
                if (
                  !confirm(
                    `Forget "${d.name}" (its index, soft labels and studio copy; your files are untouched)?`,
                  )
                )
                  return;
                if (d.pack) await removeCopy(studio, d.id).catch((e: unknown) => setError(String(e)));
                await deleteDataset(await openStudioDb(), d.id);
                jobStore.bumpStore();
              }}
            >
              Forget
            </button>
            <IncompleteIndex
              d={d}
              running={!!indexing[d.id]}
              onResume={() => void run(resumeIndexing(studio, d.id))}
            />
            <CheckReport d={d} />
            <PackPanel d={d} onError={(e) => setError(e instanceof Error ? e.message : String(e))} />
            <details>
              <summary>classes</summary>
              <table className="grid">
                <tbody>
                  {d.classes.map((c) => (
                    <tr key={c.index}>
                      <td className="num">{c.index}</td>
                      <td>{c.name}</td>
                      <td className="muted">{c.folder}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
            <ClassBrowser d={d} />
            {d.skipped.length > 0 && (
              <details data-testid="skip-report">
                <summary>skipped files ({skippedTotal})</summary>
                <SkipTable rows={d.skipped} rowTestId="skip-row" />
              </details>
            )}
            {problems.length > 0 && (
              <details data-testid="decode-report">
                <summary>
                  problems found while decoding ({problems.filter((p) => p.kind === 'skipped').length}{' '}
                  skipped, {problems.filter((p) => p.kind === 'warning').length} with warnings
                  {notListed > 0 && `, ${notListed} more not listed`})
                </summary>
                <table className="grid">
                  <tbody>
                    {problems.map((p) => (
                      <tr key={p.path} data-testid="decode-row" data-kind={p.kind}>
                        <td>{p.path}</td>
                        <td>{p.kind}</td>
                        <td>{p.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
          </div>
        );
      })}
    </section>
  );
}

/** Indexed images a re-open check found gone: every job leaves them out. */
function goneCount(d: Dataset): number {
  return (d.gone?.train.length ?? 0) + (d.gone?.val.length ?? 0);
}
