import { mostConfusedPairs, pairCountsOfMatrix, type ConfusedPair } from '../../core/classNames';
import type { EvalResult } from '../../store';

/** The pairs an evaluation stored, or (older evaluations) the ones its confusion matrix holds. */
export function confusedPairsOf(result: EvalResult): ConfusedPair[] {
  if (result.confusedPairs) return result.confusedPairs;
  return result.confusion ? mostConfusedPairs(pairCountsOfMatrix(result.confusion), 20) : [];
}

/**
 * The most frequent mistakes as a list: for more than 100 classes it replaces the confusion matrix; a
 * click opens the images behind a pair, as a matrix cell does.
 */
export function ConfusedPairs({
  result,
  names,
  onOpen,
}: {
  result: EvalResult;
  names: (i: number) => string;
  onOpen: (actual: number, predicted: number) => void;
}) {
  const pairs = confusedPairsOf(result);
  if (pairs.length === 0) return null;
  return (
    <>
      <h3>Most-confused class pairs (click one to see its images)</h3>
      <ol data-testid="confused-pairs" style={{ columns: 2, fontSize: 13 }}>
        {pairs.map((p) => (
          <li key={`${p.actual},${p.predicted}`}>
            <button onClick={() => onOpen(p.actual, p.predicted)}>
              {names(p.actual)} → predicted {names(p.predicted)}: {p.count}
            </button>
          </li>
        ))}
      </ol>
    </>
  );
}
