/**
 * First run: an empty view says why it is empty and offers the one click that leads into the demo
 * (the embedded Fashion-MNIST set, its teacher, FKD against vanilla), instead of an empty list.
 */
import { useDatasets } from '../catalog';
import { useJobs } from '../jobStore';
import { useStudio } from '../studio';
import { goToView } from '../share';
import { useStoreQuery } from '../useStore';
import { listLabelSets } from '../../store';

export function EmptyState({
  testId,
  children,
  action,
}: {
  testId: string;
  children: React.ReactNode;
  action?: { label: string; view: string };
}) {
  return (
    <div className="empty-state" data-testid={testId}>
      <p>{children}</p>
      {action && (
        <button className="primary" onClick={() => goToView(action.view)}>
          {action.label}
        </button>
      )}
    </div>
  );
}

/** True while the studio has no dataset yet because start-up is still indexing the embedded ones. */
export function useStillIndexing(): boolean {
  const studio = useStudio();
  const datasets = useDatasets();
  const indexing = useJobs((s) => Object.values(s.indexing).some((p) => p !== null));
  return datasets.length === 0 && (indexing || studio.bootError === undefined);
}

/** Said where a Dataset list would otherwise be empty during start-up. */
export function IndexingNotice() {
  const still = useStillIndexing();
  const studio = useStudio();
  const datasets = useDatasets();
  if (still)
    return (
      <p className="banner info" role="status" data-testid="indexing-notice">
        Indexing the embedded datasets… the Dataset lists fill in when it is done (a few seconds on first
        start).
      </p>
    );
  if (datasets.length === 0 && studio.bootError === null)
    return (
      <EmptyState testId="no-datasets" action={{ label: 'Go to Data', view: 'data' }}>
        No dataset is indexed: add a folder or shards under Data.
      </EmptyState>
    );
  return null;
}

/** Where the demo starts: Train offers the one-click soft labels and the FKD-vs-vanilla runs. */
export const DEMO_ACTION = { label: 'Start the demo in Train', view: 'train' };

/** Soft labels with no label set at all: what they are and where the one-click version is. */
export function NoLabelsYet() {
  const { data: sets } = useStoreQuery((db) => listLabelSets(db));
  if (!sets || sets.length > 0) return null;
  return (
    <EmptyState testId="labels-empty" action={DEMO_ACTION}>
      No soft labels yet. FKD&apos;s first step: a teacher labels many random crops of every image once, and
      students train on them later without the teacher. Make a set with the form below, or take the
      demo&apos;s one-click <em>Generate soft labels now</em> in Train.
    </EmptyState>
  );
}
