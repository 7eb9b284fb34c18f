/**
 * A dataset's index state in the Data view: an incomplete index (cancelled or interrupted) with
 * its resume, and the report of the last re-open check (what was added, removed or changed).
 */
import type { Dataset, DatasetCheck, IndexRunStats } from '../../store';
import { formatDuration } from '../format';

export function IncompleteIndex({
  d,
  running,
  onResume,
}: {
  d: Dataset;
  running: boolean;
  onResume: () => void;
}) {
  const st = d.indexing;
  if (!st) return null;
  const runs = st.runs ?? [];
  return (
    <div data-testid="index-incomplete" className="row" style={{ alignItems: 'center' }}>
      <span className="muted">
        Index incomplete: <span data-testid="index-units-done">{st.classesDone}</span> of{' '}
        {st.classesTotal || '?'} class folders/shards done, {st.filesSeen.toLocaleString()} files listed (
        {st.counts.train.toLocaleString()} train / {st.counts.val.toLocaleString()} val images).{' '}
        {running
          ? 'Running…'
          : `Stopped${stopReason(runs.at(-1))}: resuming skips the folders done, without listing them again.`}
      </span>
      {!running && (
        <button className="primary" onClick={onResume}>
          Resume indexing
        </button>
      )}
    </div>
  );
}

function stopReason(run: IndexRunStats | undefined): string {
  if (run?.cancelled) return ' (cancelled)';
  return run?.error ? ` (${run.error})` : '';
}

function PathList({ title, list, testId }: { title: string; list: DatasetCheck['added']; testId: string }) {
  if (list.count === 0) return null;
  return (
    <details data-testid={testId} data-count={list.count}>
      <summary>
        {title} ({list.count}
        {list.paths.length < list.count && `, first ${list.paths.length} listed`})
      </summary>
      <ul>
        {list.paths.map((p) => (
          <li key={p} data-testid="check-path">
            {p}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function CheckReport({ d }: { d: Dataset }) {
  const c = d.lastCheck;
  if (!c) return null;
  const changedUnits = c.unitsChecked - c.unitsUnchanged;
  const nothing =
    c.added.count + c.removed.count + c.changed.count + c.newFolders.length + c.needsReindex.length === 0;
  return (
    <div data-testid="check-report" className="muted">
      Checked {new Date(c.at).toLocaleTimeString()} in {formatDuration(c.ms / 1000)}: {c.unitsChecked}{' '}
      folders/shards listed again ({c.filesListed.toLocaleString()} files, no file contents read);{' '}
      {c.unitsUnchanged} unchanged
      {changedUnits > 0 && `, ${changedUnits} compared file by file`}.{' '}
      {c.unitsByName !== undefined && (
        <span data-testid="check-how">
          {c.unitsByName} by their file names alone (no file asked for its size or date); {c.sampled ?? 0}{' '}
          indexed image(s) sampled at random for size and date
          {c.sampleMismatches ? `, ${c.sampleMismatches} differed` : ', all as indexed'}. A file rewritten
          under its old name elsewhere is found when a job reads it, and skipped as changed on disk.{' '}
        </span>
      )}
      {nothing ? (
        <span data-testid="check-nothing">Nothing changed.</span>
      ) : (
        <>
          <span data-testid="check-summary">
            {c.added.count} added, {c.removed.count} removed, {c.changed.count} changed
          </span>
          . Added images were appended to the index; removed ones stay in it marked gone (reading them reports
          them missing); changed ones keep their place with the new size and date.
          {c.labelRecordsDropped > 0 &&
            ` ${c.labelRecordsDropped} soft-label record(s) of removed or changed images were dropped: resume those label sets to label the changed images again.`}
        </>
      )}
      <PathList title="added" list={c.added} testId="check-added" />
      <PathList title="removed" list={c.removed} testId="check-removed" />
      <PathList title="changed" list={c.changed} testId="check-changed" />
      {c.newFolders.length > 0 && (
        <p data-testid="check-new-folders">
          New class folders not in the index (re-index to include them: they may change the class numbering):{' '}
          {c.newFolders.join(', ')}
        </p>
      )}
      {c.needsReindex.length > 0 && (
        <p data-testid="check-reindex">
          Changed shards or flat val folders (their samples are inside files the check does not read; re-index
          to take them in): {c.needsReindex.join(', ')}
        </p>
      )}
    </div>
  );
}
