import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { BackendBanners } from './components/BackendBanners';
import { ResumedNotice } from './components/ResumedNotice';
import { StudioProvider } from './studio';
import { ViewIntro } from './teaching/ViewIntro';
import { TourButton, TourCard, TourOffer } from './teaching/Tour';
import { CopyLinkButton, ShareNotices } from './teaching/ShareControls';
import { takePageTurn } from './pageTurn';
import { cpuBudgetSlots } from './settings';
import { consumeShareLink, goToView, presenterFromHash, setPresenter as setPresenterMode } from './share';
import { splitHash } from '../core/shareState';
import { TAB_ID } from './jobLocks';
import { DataView } from './views/DataView';
import { EvaluateView } from './views/EvaluateView';
import { LabelsView } from './views/LabelsView';
import { PipelineView } from './views/PipelineView';
import { RunsView } from './views/RunsView';
import { SettingsView } from './views/SettingsView';
import { TrainView } from './views/TrainView';

const VIEWS = [
  { id: 'data', label: 'Data', Component: DataView },
  { id: 'labels', label: 'Soft labels', Component: LabelsView },
  { id: 'train', label: 'Train', Component: TrainView },
  { id: 'evaluate', label: 'Evaluate', Component: EvaluateView },
  { id: 'pipeline', label: 'Pipeline (live)', Component: PipelineView },
  { id: 'runs', label: 'Runs', Component: RunsView },
  { id: 'settings', label: 'Settings', Component: SettingsView },
] as const;

type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  const { view } = splitHash(location.hash);
  return (VIEWS.find((v) => v.id === view)?.id ?? 'data') as ViewId;
}

// A share link's settings go into the forms' drafts before any form mounts.
consumeShareLink();

/** The view lives in the URL hash so a reload lands where the user was. */
export function App() {
  const [view, setView] = useState<ViewId>(viewFromHash);
  const [presenter, setPresenter] = useState(presenterFromHash);
  // Bumped when a notice rewrites the drafts: the open view remounts and reads them again.
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    const onHash = () => {
      setView(viewFromHash());
      setPresenter(presenterFromHash());
      // Larger type for a projector (styles.css).
      document.documentElement.classList.toggle('presenter', presenterFromHash());
    };
    addEventListener('hashchange', onHash);
    document.documentElement.classList.toggle('presenter', presenterFromHash());
    return () => removeEventListener('hashchange', onHash);
  }, []);
  // The nav answers a click at once; the new view renders behind it as a transition that yields to
  // input (mounting a view with its charts under full load took hundreds of ms in one task: bench:ui).
  const shown = useDeferredValue(view);
  // A view switch gets the CPU budget's slots for a moment (pageTurn.ts): its frames need more than
  // the one core the workers leave the page.
  useEffect(() => takePageTurn(cpuBudgetSlots()), [view]);
  const Current = VIEWS.find((v) => v.id === shown)!.Component;
  const current = useMemo(() => <Current key={epoch} />, [Current, epoch]);
  return (
    <StudioProvider>
      <header className="top">
        <h1>FKD Studio</h1>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              aria-current={v.id === view ? 'page' : undefined}
              onClick={() => goToView(v.id)}
            >
              {v.label}
            </button>
          ))}
        </nav>
        <div className="spacer" />
        <span className="muted" data-testid="tab-id" title="how other tabs name this one when it runs a job">
          {TAB_ID}
        </span>
        <label className="presenter-toggle">
          <input
            type="checkbox"
            checked={presenter}
            onChange={(e) => {
              // Set at once, not only on the hashchange a task later: a controlled checkbox would
              // otherwise show its old state in between.
              setPresenter(e.target.checked);
              setPresenterMode(e.target.checked);
            }}
          />{' '}
          Presenter
        </label>
        <TourButton />
        <CopyLinkButton view={view} presenter={presenter} />
      </header>
      <main>
        <BackendBanners />
        <ResumedNotice />
        <ShareNotices onChanged={() => setEpoch((e) => e + 1)} />
        <TourOffer />
        <ViewIntro key={shown} view={shown} />
        {current}
      </main>
      <TourCard />
    </StudioProvider>
  );
}
