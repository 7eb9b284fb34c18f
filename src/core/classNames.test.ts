import { describe, expect, it } from 'vitest';
import { classNameLookup, mostConfusedPairs, pairCountsOfMatrix } from './classNames';

const imagenet = Array.from({ length: 1000 }, (_, index) => ({ index, name: `in-${index}` }));

describe('class names for every output', () => {
  it('a 3-of-1000 ImageNet subset names all 1000 outputs, its own names first', () => {
    const names = classNameLookup(
      [
        { index: 22, name: 'bald eagle' },
        { index: 281, name: 'tabby' },
        { index: 883, name: 'vase' },
      ],
      1000,
      imagenet,
    );
    expect(names(22)).toBe('bald eagle');
    expect(names(0)).toBe('in-0');
    expect(names(999)).toBe('in-999');
    for (let i = 0; i < 1000; i++) expect(names(i)).not.toMatch(/^class /);
  });

  it('the ImageNet list is not used for a dataset with another class count', () => {
    const names = classNameLookup([{ index: 0, name: 'T-shirt/top' }], 10, imagenet);
    expect(names(0)).toBe('T-shirt/top');
    expect(names(3)).toBe('class 3');
  });
});

describe('most-confused pairs', () => {
  it('sorts mistakes by count, skips correct predictions and bad keys', () => {
    const pairs = mostConfusedPairs({ '1,1': 50, '1,2': 3, '2,1': 7, '5,9': 3, x: 9, '3,4': 0 }, 10);
    expect(pairs).toEqual([
      { actual: 2, predicted: 1, count: 7 },
      { actual: 1, predicted: 2, count: 3 },
      { actual: 5, predicted: 9, count: 3 },
    ]);
    expect(mostConfusedPairs({ '1,2': 3, '2,1': 7 }, 1)).toHaveLength(1);
  });

  it('reads the same pairs off a confusion matrix', () => {
    expect(
      pairCountsOfMatrix([
        [5, 1],
        [0, 4],
      ]),
    ).toEqual({ '0,1': 1 });
  });
});
