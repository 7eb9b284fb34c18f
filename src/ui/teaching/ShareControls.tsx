/**
 * "Copy link" in the header, and what a link that was opened could not restore: malformed or unknown
 * parameters, and things this browser does not have (a user's folder, a deleted label set), each with
 * the embedded equivalent one click away.
 */
import { useState } from 'react';
import { shareNeedsChecks } from '../../core/shareState';
import { listLabelSets } from '../../store';
import { useDatasets, useTeachers } from '../catalog';
import { applyShareState, EXPLORE_KEYS, openedShare, shareLink } from '../share';
import { useStoreQuery } from '../useStore';
import { writeDraft } from '../useDraft';
import { useStillIndexing } from './FirstRun';

export function CopyLinkButton({ view, presenter }: { view: string; presenter: boolean }) {
  const [link, setLink] = useState<string | null>(null);
  const [note, setNote] = useState('');
  async function copy() {
    const url = shareLink(view, presenter);
    setLink(url);
    try {
      await navigator.clipboard.writeText(url);
      setNote('Link copied: it opens this demo with these settings.');
    } catch {
      setNote('Copy the link below (the clipboard is not available here).');
    }
  }
  return (
    <div className="share">
      <button onClick={() => void copy()} data-testid="copy-link">
        Copy link
      </button>
      {link && (
        <div className="share-popup" role="status">
          <span>{note}</span>
          <input
            aria-label="Share link"
            readOnly
            value={link}
            data-testid="share-link"
            onFocus={(e) => e.currentTarget.select()}
          />
          <button onClick={() => setLink(null)} aria-label="Close share link">
            ×
          </button>
        </div>
      )}
    </div>
  );
}

export function ShareNotices({ onChanged }: { onChanged: () => void }) {
  const [dismissed, setDismissed] = useState(false);
  // Mounted for the page's life: its lists (every model with its weights, every dataset and label
  // set) are read only while an opened link has something to check, not on every store change.
  if (dismissed || !shareNeedsChecks(openedShare())) return null;
  return <ShareNoticeChecks onChanged={onChanged} onDismiss={() => setDismissed(true)} />;
}

function ShareNoticeChecks({ onChanged, onDismiss }: { onChanged: () => void; onDismiss: () => void }) {
  const { state, problems } = openedShare();
  const datasets = useDatasets();
  const teachers = useTeachers();
  const indexing = useStillIndexing();
  const { data: sets } = useStoreQuery((db) => listLabelSets(db));
  const embedded = datasets.find((d) => d.source === 'embedded');
  const missing: string[] = [];
  if (!indexing && datasets.length && state.dataset && !datasets.some((d) => d.id === state.dataset))
    missing.push(
      `dataset "${state.dataset}" is not in this browser (a folder someone added stays on their machine)`,
    );
  if (teachers.length && state.teacher && !teachers.some((t) => t.id === state.teacher))
    missing.push(`teacher "${state.teacher}" is not imported here`);
  if (sets && state.labelSet && !sets.some((s) => s.id === state.labelSet))
    missing.push(
      `label set "${state.labelSet}" is not here (deleted, or made in another browser); its settings are in the Soft labels form, and the same seed draws the same crop boxes`,
    );
  if (problems.length === 0 && missing.length === 0) return null;
  function switchToEmbedded() {
    applyShareState({ dataset: embedded?.id, teacher: teachers.find((t) => t.embedded)?.id });
    if (state.labelSet && !sets?.some((s) => s.id === state.labelSet)) writeDraft(EXPLORE_KEYS.labelSet, '');
    onDismiss();
    onChanged();
  }
  return (
    <div className="banner info" role="alert" data-testid="share-notice">
      {problems.length > 0 && (
        <p data-testid="share-problems">
          This link could not be read in full; the rest is the default demo. Ignored: {problems.join('; ')}.
        </p>
      )}
      {missing.length > 0 && (
        <p data-testid="share-missing">
          This link names what this browser does not have: {missing.join('; ')}.
        </p>
      )}
      {missing.length > 0 && embedded && (
        <button className="primary" onClick={switchToEmbedded}>
          Use the embedded {embedded.name} and its teacher instead
        </button>
      )}{' '}
      <button onClick={onDismiss}>Dismiss</button>
    </div>
  );
}
