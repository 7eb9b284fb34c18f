import { jobStore, useJobs } from '../jobStore';

const KIND = { generate: 'soft labels', train: 'run', index: 'index of', pack: 'studio copy of' } as const;

/** Says which interrupted jobs this tab resumed by itself at start-up, and where the setting is. */
export function ResumedNotice() {
  const resumed = useJobs((s) => s.resumed);
  if (resumed.length === 0) return null;
  return (
    <div className="banner info" data-testid="auto-resumed" role="status">
      Resumed after an interruption (the browser or tab stopped mid-job):{' '}
      {resumed.map((j, i) => (
        <span key={`${j.kind}:${j.id}`} data-testid="auto-resumed-job">
          {i > 0 && '; '}
          {KIND[j.kind]} “{j.name}” {j.at}
        </span>
      ))}
      . Turn this off in Settings.{' '}
      <button onClick={() => jobStore.update((s) => ({ ...s, resumed: [] }))}>Dismiss</button>
    </div>
  );
}
