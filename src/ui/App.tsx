import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { BackendBanners } from './components/BackendBanners';
import { StudioProvider } from './studio';
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
  const id = location.hash.replace(/^#\/?/, '');
  return (VIEWS.find((v) => v.id === id)?.id ?? 'data') as ViewId;
}

/** The view lives in the URL hash so a reload lands where the user was. */
export function App() {
  const [view, setView] = useState<ViewId>(viewFromHash);
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  // The nav answers a click at once; the new view renders behind it as a transition that yields to
  // input (mounting a view with its charts under full load took hundreds of ms in one task: bench:ui).
  const shown = useDeferredValue(view);
  const Current = VIEWS.find((v) => v.id === shown)!.Component;
  const current = useMemo(() => <Current />, [Current]);
  return (
    <StudioProvider>
      <header className="top">
        <h1>FKD Studio</h1>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              aria-current={v.id === view ? 'page' : undefined}
              onClick={() => {
                location.hash = `/${v.id}`;
              }}
            >
              {v.label}
            </button>
          ))}
        </nav>
        <div className="spacer" />
        <span className="muted" data-testid="tab-id" title="how other tabs name this one when it runs a job">
          {TAB_ID}
        </span>
      </header>
      <main>
        <BackendBanners />
        {current}
      </main>
    </StudioProvider>
  );
}
