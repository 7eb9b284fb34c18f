import { useJobs } from '../jobStore';
import { RunMonitor } from '../train/RunMonitor';
import { SpeedTableView } from '../train/SpeedTableView';
import { TrainForm } from '../train/TrainForm';
import { IndexingNotice } from '../teaching/FirstRun';

export function TrainView() {
  const ids = useJobs((s) => s.training);
  return (
    <>
      <IndexingNotice />
      <TrainForm />
      <SpeedTableView />
      {Object.keys(ids)
        .reverse()
        .map((id) => (
          <RunMonitor key={id} runId={id} />
        ))}
    </>
  );
}
