import { useJobs } from '../jobStore';
import { RunMonitor } from '../train/RunMonitor';
import { SpeedTableView } from '../train/SpeedTableView';
import { TrainForm } from '../train/TrainForm';
import { IndexingNotice } from '../teaching/FirstRun';
import { PresenterPanel } from '../teaching/PresenterPanel';
import { usePresenter } from '../share';
import { Later } from '../stagger';

/** The same runs: a run's progress alone must not re-render the view's form (bench:ui). */
const sameRuns = (a: object, b: object) => Object.keys(a).join('\n') === Object.keys(b).join('\n');

export function TrainView() {
  const ids = useJobs((s) => s.training, sameRuns);
  // Presenter mode: the advanced form gives way to one batch per click.
  if (usePresenter())
    return (
      <>
        <IndexingNotice />
        <PresenterPanel />
      </>
    );
  return (
    <>
      <IndexingNotice />
      <TrainForm />
      {/* The sections below the form mount a frame apart (stagger.ts Later). */}
      <Later frames={1}>
        <SpeedTableView />
      </Later>
      {Object.keys(ids)
        .reverse()
        .map((id, i) => (
          <Later key={id} frames={2 + i}>
            <RunMonitor runId={id} />
          </Later>
        ))}
    </>
  );
}
