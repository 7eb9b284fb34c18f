/**
 * PyTorch interop in the label library: import an FKD label tree (FKD's own torch.save files) as a
 * label set, export a set as that tree (into a folder, or one .zip), and each imported set's
 * provenance. The jobs run in the teacher worker (workers/fkdJobs.ts); docs/fkd-files.md.
 */
import * as Comlink from 'comlink';
import { useEffect, useState } from 'react';
import { ensurePermission } from '../../data/permissions';
import { getHandle, openStudioDb, patchLabelSet, putHandle, type LabelSet } from '../../store';
import type { FkdExportResult, FkdImportResult, FkdPrecision, JobProgress } from '../../workers/api';
import { useDatasets } from '../catalog';
import { ErrorBanner } from '../components/ErrorBanner';
import { JobProgressBar } from '../components/JobProgressBar';
import { jobStore } from '../jobStore';
import { useStudio, type Studio } from '../studio';
import { guarded } from '../workers';

declare global {
  interface Window {
    /** Test-only: Playwright cannot click the native picker; these hand an OPFS folder to the same flows. */
    __fkdImportFkdFolder?: (root: FileSystemDirectoryHandle) => Promise<FkdImportResult>;
    __fkdExportFkdFolder?: (
      labelSetId: string,
      target: FileSystemDirectoryHandle,
    ) => Promise<FkdExportResult>;
  }
}

type Picker = (o: { mode: 'read' | 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>;
const picker = () => (window as { showDirectoryPicker?: Picker }).showDirectoryPicker;
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

interface ImportState {
  progress?: JobProgress | null;
  result?: FkdImportResult;
  error?: string;
}

async function runImport(
  studio: Studio,
  opts: { datasetId: string; root: FileSystemDirectoryHandle; renorm: boolean; resumeLabelSetId?: string },
  onProgress: (p: JobProgress) => void,
): Promise<FkdImportResult> {
  const r = await guarded(
    studio.teacher,
    studio.teacher.api.importFkdLabels(
      {
        datasetId: opts.datasetId,
        root: opts.root,
        renorm: opts.renorm,
        resumeLabelSetId: opts.resumeLabelSetId,
      },
      Comlink.proxy(onProgress),
    ),
  );
  // Keep the folder so a paused import can resume after a reload.
  const db = await openStudioDb();
  const handleId = `handle:fkd-${r.labelSetId}`;
  await putHandle(db, {
    id: handleId,
    name: opts.root.name,
    kind: 'directory',
    handle: opts.root,
    createdAt: Date.now(),
  });
  await patchLabelSet(db, r.labelSetId, {}).then((s) =>
    s.provenance ? patchLabelSet(db, r.labelSetId, { provenance: { ...s.provenance, handleId } }) : s,
  );
  return r;
}

function ImportReport({ r }: { r: FkdImportResult }) {
  return (
    <div data-testid="fkd-import-result" role="status">
      <span className="muted">
        {r.cancelled ? 'Paused: ' : ''}imported <b data-testid="fkd-imported">{r.imported}</b> label files
        {r.alreadyDone ? ` (${r.alreadyDone} were already in)` : ''} ·{' '}
        <span data-testid="fkd-bad-count">{r.badCount}</span> bad ·{' '}
        <span data-testid="fkd-images-without">{r.imagesWithoutFile}</span> images without a file ·{' '}
        <span data-testid="fkd-files-without">{r.filesWithoutImage}</span> files without an image
        {r.filesForGoneImages > 0 && (
          <>
            {' '}
            · <span data-testid="fkd-files-gone">{r.filesForGoneImages}</span> files for images gone from the
            folder (skipped)
          </>
        )}
      </span>
      {r.badCount > 0 && (
        <details open data-testid="fkd-bad-files">
          <summary>{r.badCount} files skipped</summary>
          <ul>
            {r.badFiles.map((b) => (
              <li key={b.path}>
                <code>{b.path}</code>: {b.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {r.filesWithoutImage > 0 && (
        <details>
          <summary>files without an image</summary>
          <ul>
            {r.filesWithoutImageSample.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </details>
      )}
      {r.imagesWithoutFile > 0 && (
        <details>
          <summary>images without a file</summary>
          <ul>
            {r.imagesWithoutFileSample.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** Import FKD's tree: <root>/train/<class folder>/<stem>.tar, matched to the chosen dataset's train images. */
export function FkdImport() {
  const studio = useStudio();
  const datasets = useDatasets();
  const [datasetId, setDatasetId] = useState('');
  const [renorm, setRenorm] = useState(false);
  const [state, setState] = useState<ImportState>({});
  const target = datasetId || datasets[0]?.id || '';
  const start = async (root: FileSystemDirectoryHandle): Promise<FkdImportResult> => {
    setState({ progress: { phase: 'importing FKD labels', done: 0, total: 1 } });
    try {
      const result = await runImport(studio, { datasetId: target, root, renorm }, (progress) =>
        setState((s) => ({ ...s, progress })),
      );
      setState({ result });
      return result;
    } catch (e) {
      setState({ error: `Import of FKD labels from "${root.name}" failed: ${errorText(e)}` });
      throw e;
    } finally {
      jobStore.bumpStore();
    }
  };
  useEffect(() => {
    window.__fkdImportFkdFolder = start;
  });
  const pick = picker();
  return (
    <div className="row" data-testid="fkd-import">
      <label>
        FKD labels for{' '}
        <select value={target} onChange={(e) => setDatasetId(e.target.value)}>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label title="MS and MR top-k files have the same shape: say which these are">
        <input type="checkbox" checked={renorm} onChange={(e) => setRenorm(e.target.checked)} /> files are
        marginal_renorm
      </label>
      <button
        disabled={!pick || !target || !!state.progress}
        title="FKD's --softlabel_path folder: it holds train/<class folder>/<image stem>.tar"
        onClick={() => {
          void pick?.({ mode: 'read', id: 'fkd-labels' })
            .then((root) => start(root))
            .catch(() => undefined);
        }}
      >
        Import FKD label folder…
      </button>
      <JobProgressBar progress={state.progress ?? null} testId="fkd-import-progress" />
      {state.progress && (
        <button
          title="Stop here; Resume in the set's row continues with the files not read yet"
          onClick={() => void studio.teacher.api.cancel(`fkd-import:${target}`)}
        >
          Pause import
        </button>
      )}
      {state.result && <ImportReport r={state.result} />}
      <ErrorBanner error={state.error} testId="fkd-import-error" />
    </div>
  );
}

/** Resume a paused FKD import: its folder handle was kept; permission may need this click. */
export async function resumeFkdImport(studio: Studio, set: LabelSet): Promise<FkdImportResult> {
  const handleId = set.provenance?.handleId;
  const rec = handleId ? await getHandle(await openStudioDb(), handleId) : undefined;
  if (!rec) throw new Error(`the folder of "${set.name}" is not known any more: import it again`);
  const root = rec.handle as FileSystemDirectoryHandle;
  if ((await ensurePermission(root as never, 'read', true)) !== 'granted')
    throw new Error(`no permission to read "${rec.name}"`);
  try {
    return await runImport(
      studio,
      { datasetId: set.datasetId, root, renorm: set.settings.codec === 'mrTopK', resumeLabelSetId: set.id },
      () => undefined,
    );
  } finally {
    jobStore.bumpStore();
  }
}

/** Where an imported set came from, and what the import found. */
export function FkdProvenance({ set }: { set: LabelSet }) {
  const p = set.provenance;
  if (!p) return null;
  return (
    <div className="muted" data-testid="fkd-provenance">
      from FKD files in <code>{p.source}</code>: {p.labelType}, {p.precision}, {p.cropsPerImage} crops per
      image, {p.files} files ({p.badFiles} bad, {p.filesWithoutImage} without an image
      {p.filesForGoneImages ? `, ${p.filesForGoneImages} for images gone from the folder` : ''}),{' '}
      {p.imagesWithoutFile} images without a file; {p.rounding}
    </div>
  );
}

/** Why float32 is the default: what happens to float16 labels in FKD's own trainer. */
const FP16_PITFALL =
  "float16 halves the files, but FKD's train_FKD.py scatters labels into a float32 tensor and current PyTorch refuses float16 there; python/fkd_studio reads both";

/** Export a done set as FKD's tree: into a folder the user picks, else one .zip download. */
export function FkdExportButtons({ set }: { set: LabelSet }) {
  const studio = useStudio();
  const [state, setState] = useState<{ progress?: JobProgress | null; done?: string; error?: string }>({});
  const [precision, setPrecision] = useState<FkdPrecision>('f32');
  const run = async (target?: FileSystemDirectoryHandle): Promise<FkdExportResult> => {
    setState({ progress: { phase: 'exporting FKD labels', done: 0, total: set.imagesDone } });
    try {
      const r = await guarded(
        studio.teacher,
        studio.teacher.api.exportFkdLabels(
          { labelSetId: set.id, target, precision },
          Comlink.proxy((progress: JobProgress) => setState((s) => ({ ...s, progress }))),
        ),
      );
      if (r.zip) {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(r.zip);
        a.download = `${set.name.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'labels'}.fkd.zip`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }
      const where = target ? `into "${target.name}"` : 'as a .zip';
      if (r.cancelled) {
        setState({ done: `Export stopped after ${r.written} files ${where}; export again to finish` });
        return r;
      }
      setState({
        done: `Exported ${r.written} FKD label files ${where}${r.skipped ? ` (${r.skipped} were already there)` : ''}, --soft_label_type ${r.labelType}, ${precision === 'f16' ? 'float16' : 'float32'}`,
      });
      return r;
    } catch (e) {
      setState({ error: `FKD export of "${set.name}" failed: ${errorText(e)}` });
      throw e;
    }
  };
  useEffect(() => {
    const prev = window.__fkdExportFkdFolder;
    window.__fkdExportFkdFolder = (id, target) =>
      id === set.id ? run(target) : prev ? prev(id, target) : Promise.reject(new Error(`no label set ${id}`));
    return () => {
      window.__fkdExportFkdFolder = prev;
    };
  });
  const pick = picker();
  return (
    <span data-testid="fkd-export">
      <label title={FP16_PITFALL}>
        FKD precision{' '}
        <select
          aria-label="FKD export precision"
          value={precision}
          disabled={!!state.progress}
          onChange={(e) => setPrecision(e.target.value as FkdPrecision)}
        >
          <option value="f32">float32</option>
          <option value="f16">float16 (--use_fp16)</option>
        </select>
      </label>{' '}
      {precision === 'f16' && (
        <span className="muted" data-testid="fkd-fp16-note">
          {FP16_PITFALL}
        </span>
      )}{' '}
      {pick && (
        <button
          disabled={!!state.progress}
          title="Write train/<class>/<stem>.tar, README.md and train_fkd.sh into a folder (resumable)"
          onClick={() =>
            void pick({ mode: 'readwrite', id: 'fkd-export' })
              .then((d) => run(d))
              .catch(() => undefined)
          }
        >
          FKD folder…
        </button>
      )}{' '}
      <button disabled={!!state.progress} onClick={() => void run().catch(() => undefined)}>
        FKD .zip
      </button>
      <JobProgressBar progress={state.progress ?? null} />
      {state.progress && (
        <button
          title="Stop; exporting into the same folder again writes only the files still missing"
          onClick={() => void studio.teacher.api.cancel(`fkd-export:${set.id}`)}
        >
          Stop export
        </button>
      )}
      {state.done && (
        <div className="muted" role="status" data-testid="fkd-export-result">
          {state.done}
        </div>
      )}
      <ErrorBanner error={state.error} testId="fkd-export-error" />
    </span>
  );
}
