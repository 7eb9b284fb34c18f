import { Explain } from '../components/Explain';

/** "What am I looking at": one short paragraph per view, folded by default. */
const INTROS: Record<string, string> = {
  data:
    'The images the studio trains on. The embedded Fashion-MNIST subset (2,000 train / 500 val) is the demo; ' +
    'your own folders or WebDataset shards appear above it once added. Every image is indexed once; ' +
    'pixels never leave this machine.',
  labels:
    'FKD step 1, done once: the teacher labels many random-resized crops of every training image. Each crop is ' +
    'stored as its box, its flip and a compressed soft label (top-k probabilities), so students later train ' +
    'without ever running the teacher. The explorers show the stored boxes and labels and what compression costs.',
  train:
    'FKD step 2: a student trains on the stored crops, numCrops per decoded image, against their stored soft ' +
    'labels. Vanilla (hard labels) and online KD (the teacher on every step) run in the same engine with the same ' +
    'student, seed and budget, so their speed and accuracy compare like with like.',
  evaluate:
    'A run’s latest checkpoint on the val split: top-1/top-5 accuracy, per-class accuracy, and which classes ' +
    'it confuses (the matrix for up to 100 classes, the most-confused pairs beyond). Click to see the images.',
  pipeline:
    'The batch being trained right now: the first images of the batch, their crop boxes, each crop as the student ' +
    'sees it, its target (stored soft label, hard label or live teacher) and the student’s prediction.',
  runs: 'Every run with its curves and final accuracy, side by side: FKD against vanilla and online KD.',
  settings: 'Which compute backend each worker uses and why, storage used, and maintenance.',
};

export function ViewIntro({ view }: { view: string }) {
  const text = INTROS[view];
  if (!text) return null;
  return (
    <Explain summary="What am I looking at?" testId="view-intro">
      <p>{text}</p>
    </Explain>
  );
}
