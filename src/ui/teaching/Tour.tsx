/**
 * The guided tour's card, its header button and the first-visit offer. The tour moves through the
 * views, highlights each step's live element (outline + scroll into view) and remembers its step, so
 * it can be skipped, resumed and restarted.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { goToView } from '../share';
import { readTourProgress, TOUR_STEPS, writeTourProgress, type TourProgress } from './tourSteps';

let progress: TourProgress = readTourProgress();
const listeners = new Set<() => void>();
function setProgress(p: TourProgress): void {
  progress = p;
  writeTourProgress(p);
  listeners.forEach((l) => l());
}
const useTour = () =>
  useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => progress,
  );

export const startTour = (step = 0) => setProgress({ status: 'running', step });
const leaveTour = () => setProgress({ ...progress, status: 'left' });

const HIGHLIGHT = 'tour-target';

/** The first of the step's targets on the page, once it appears (views mount and load asynchronously). */
function useStepTarget(step: number, running: boolean): Element | null {
  const [found, setFound] = useState<{ step: number; el: Element } | null>(null);
  useEffect(() => {
    if (!running) return;
    const s = TOUR_STEPS[step];
    goToView(s.view);
    let el: Element | null = null;
    const find = () => {
      el = s.targets.map((t) => document.querySelector(t)).find((e) => e !== null) ?? null;
      if (!el) return false;
      el.classList.add(HIGHLIGHT);
      if (el instanceof HTMLDetailsElement) el.open = true;
      el.scrollIntoView({ block: 'center', behavior: 'instant' });
      setFound({ step, el });
      return true;
    };
    const timer = setInterval(() => find() && clearInterval(timer), 150);
    return () => {
      clearInterval(timer);
      document.querySelectorAll(`.${HIGHLIGHT}`).forEach((e) => e.classList.remove(HIGHLIGHT));
    };
  }, [step, running]);
  return found?.step === step ? found.el : null;
}

export function TourCard() {
  const p = useTour();
  const running = p.status === 'running';
  const target = useStepTarget(p.step, running);
  if (!running) return null;
  const s = TOUR_STEPS[p.step];
  const last = p.step === TOUR_STEPS.length - 1;
  return (
    <div
      className="tour-card"
      role="dialog"
      aria-labelledby="tour-title"
      data-testid="tour-card"
      data-step={p.step}
    >
      <div className="muted">
        Tour · step {p.step + 1} of {TOUR_STEPS.length}
        {!target && ' · finding it on the page…'}
      </div>
      <h2 id="tour-title">{s.title}</h2>
      <p data-testid="tour-text">{s.text}</p>
      <div className="row">
        <button disabled={p.step === 0} onClick={() => startTour(p.step - 1)}>
          Back
        </button>
        {last ? (
          <button className="primary" onClick={() => setProgress({ status: 'done', step: 0 })}>
            Finish
          </button>
        ) : (
          <button className="primary" onClick={() => startTour(p.step + 1)}>
            Next
          </button>
        )}
        <button onClick={leaveTour} title="the Tour button in the header resumes from this step">
          Skip tour
        </button>
      </div>
    </div>
  );
}

/** Header: start, resume where it was left, or restart. */
export function TourButton() {
  const p = useTour();
  if (p.status === 'running') return null;
  if (p.status === 'left')
    return (
      <span className="tour-buttons">
        <button onClick={() => startTour(p.step)}>
          Resume tour ({p.step + 1}/{TOUR_STEPS.length})
        </button>
        <button onClick={() => startTour(0)}>Restart tour</button>
      </span>
    );
  return (
    <span className="tour-buttons">
      <button onClick={() => startTour(0)}>Tour</button>
    </span>
  );
}

/** A first visit is offered the tour once; declining counts as leaving it at step 1. */
export function TourOffer() {
  const p = useTour();
  if (p.status !== 'new') return null;
  return (
    <div className="banner info" data-testid="tour-offer">
      New here? The tour shows FKD in {TOUR_STEPS.length} steps on the embedded dataset, each on the live
      studio.{' '}
      <button className="primary" onClick={() => startTour(0)}>
        Take the tour
      </button>{' '}
      <button onClick={leaveTour}>No thanks</button>
    </div>
  );
}
