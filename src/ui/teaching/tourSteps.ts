/**
 * The guided tour: FKD's story in eight steps on the embedded dataset, each pointing at the live element
 * that shows it. `targets` are tried in order (the first one on the page is highlighted), so the tour
 * works on a fresh profile (no labels yet) and after a demo run alike.
 */
export interface TourStep {
  view: string;
  title: string;
  text: string;
  targets: string[];
}

export const TOUR_STEPS: TourStep[] = [
  {
    view: 'data',
    title: 'An image',
    text:
      'The embedded demo: 2,000 Fashion-MNIST training images (28×28, 10 classes). A teacher that saw all 60,000 ' +
      'will teach a student that sees only these.',
    targets: ['[data-testid="dataset-fashion-mnist"]', '[data-testid^="dataset-"]'],
  },
  {
    view: 'labels',
    title: 'Random-resized crops and flips',
    text:
      'Training sees random crops, not whole images. FKD draws each image’s crop boxes (dashed = mirrored) from a ' +
      'seed, once, and stores them: here are the boxes the seed draws for one image.',
    targets: ['[data-testid="crop-preview"]'],
  },
  {
    view: 'labels',
    title: 'The teacher’s soft label per crop',
    text:
      'The teacher runs once on every stored crop and its softmax is kept per crop: a crop showing only a collar ' +
      'gets a different label from the whole shirt. Pick a crop to see its label.',
    targets: [
      '[data-testid="explorer-crop"]',
      '[data-testid="label-set-row"]',
      '[data-testid="labels-empty"]',
    ],
  },
  {
    view: 'labels',
    title: 'Compression',
    text:
      'Only the top-k probabilities are stored; marginal smoothing spreads the rest evenly when training reads ' +
      'them back. The chart shows what every codec costs in bytes per crop and in error against the full softmax.',
    targets: ['[data-testid="fidelity-explorer"]', '[data-testid="explain-recovery"]'],
  },
  {
    view: 'train',
    title: 'The student trains on stored crops',
    text:
      'The student reads numCrops stored crops per decoded image and their stored labels; the teacher is not ' +
      'run. One pass over the images counts numCrops epochs, and the last epochs use one crop per image.',
    targets: ['[data-testid="explain-schedule"]'],
  },
  {
    view: 'train',
    title: 'Why it is fast',
    text:
      'Vanilla decodes an image per crop; online KD also runs the teacher on every crop; FKD decodes once per ' +
      'numCrops crops and reads its labels. The speed table measures all three on this machine.',
    targets: ['[data-testid="speed-panel"]'],
  },
  {
    view: 'pipeline',
    title: 'Watch a batch',
    text:
      'While a run trains, this view shows the batch being trained: each image, its crops as the student sees ' +
      'them, their stored targets and the student’s guesses.',
    targets: ['[data-testid="pipeline-live"]', '[data-testid="pipeline-empty"]'],
  },
  {
    view: 'runs',
    title: 'Accuracy against vanilla and online KD',
    text:
      'Same student, seed and budget: FKD’s soft labels beat hard labels (vanilla) and match online KD, ' +
      'which pays for the teacher on every step. The runs and their curves are compared here.',
    targets: ['[data-testid="runs"]', '[data-testid="runs-empty"]'],
  },
];

/** Where the tour stands, kept across reloads: resumable and restartable. */
export interface TourProgress {
  status: 'new' | 'running' | 'left' | 'done';
  step: number;
}

const KEY = 'fkd.tour';

export function readTourProgress(): TourProgress {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<TourProgress> | null;
    const step = typeof v?.step === 'number' && v.step >= 0 && v.step < TOUR_STEPS.length ? v.step : 0;
    const status = v && ['running', 'left', 'done'].includes(v.status ?? '') ? v.status! : 'new';
    return { status, step };
  } catch {
    return { status: 'new', step: 0 };
  }
}

export function writeTourProgress(p: TourProgress): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    // Storage disabled: the tour still runs, it only forgets where it was.
  }
}
