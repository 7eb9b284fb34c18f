import { describe, expect, it } from 'vitest';
import { describeMatch, matchBlocker, matchWeights, weightKey, type WeightShape } from './weightMatch';

const student = (classes: number): WeightShape[] => [
  { name: 'stem_conv/kernel', shape: [3, 3, 1, 8] },
  { name: 'stem_bn/gamma', shape: [8] },
  { name: 'stem_bn/moving_mean', shape: [8] },
  { name: 'fc/kernel', shape: [8, classes] },
  { name: 'fc/bias', shape: [classes] },
];

describe('matchWeights', () => {
  it('maps every weight of the same student, nothing missing or extra', () => {
    const m = matchWeights(student(10), student(10));
    expect(m.mapped.map((p) => p.target)).toEqual(student(10).map((w) => w.name));
    expect(m.missing).toEqual([]);
    expect(m.extra).toEqual([]);
    expect(m.shapeDiffers).toEqual([]);
    expect(m.headReplaced).toBeUndefined();
    expect(m.loadedParams).toBe(m.totalParams);
    expect(matchBlocker(m)).toBeNull();
  });

  it('replaces a head of another class count and says so, loading the rest', () => {
    const m = matchWeights(student(1000), student(10));
    expect(m.headReplaced).toEqual({ sourceClasses: 1000, targetClasses: 10 });
    expect(m.mapped.map((p) => p.target)).toEqual([
      'stem_conv/kernel',
      'stem_bn/gamma',
      'stem_bn/moving_mean',
    ]);
    expect(m.shapeDiffers).toEqual([]);
    expect(m.missing).toEqual([]);
    expect(m.loadedParams).toBe(72 + 8 + 8);
    expect(describeMatch(m).join('\n')).toMatch(/head replaced .* 1000 classes, the data 10/);
  });

  it('lists missing, extra and shape-differing weights by name', () => {
    const source: WeightShape[] = [
      { name: 'stem_conv/kernel', shape: [3, 3, 3, 8] },
      { name: 'stem_bn/gamma', shape: [8] },
      { name: 'block9/kernel', shape: [1, 1, 8, 8] },
      { name: 'fc/kernel', shape: [8, 10] },
      { name: 'fc/bias', shape: [10] },
    ];
    const m = matchWeights(source, student(10));
    expect(m.missing).toEqual(['stem_bn/moving_mean']);
    expect(m.extra).toEqual(['block9/kernel']);
    expect(m.shapeDiffers).toEqual([
      { name: 'stem_conv/kernel', source: [3, 3, 3, 8], target: [3, 3, 1, 8] },
    ]);
    expect(m.mapped.map((p) => p.target)).toEqual(['stem_bn/gamma', 'fc/kernel', 'fc/bias']);
    const words = describeMatch(m).join('\n');
    expect(words).toContain('missing in the model (fresh init): stem_bn/moving_mean');
    expect(words).toContain('stem_conv/kernel [3,3,3,8] vs student [3,3,1,8]');
    expect(words).toContain('in the model but not the student (unused): block9/kernel');
  });

  it('a head whose input width differs is a mismatch, not a replacement', () => {
    const source = student(10).map((w) => (w.name === 'fc/kernel' ? { ...w, shape: [16, 10] } : w));
    const m = matchWeights(source, student(10));
    expect(m.headReplaced).toBeUndefined();
    expect(m.shapeDiffers.map((d) => d.name)).toEqual(['fc/kernel']);
  });

  it('matches names a session made unique or a wrapping model prefixed, when unambiguous', () => {
    expect(weightKey('resnetMini/stem_conv_3/kernel')).toBe('stem_conv/kernel');
    const source = student(10).map((w) => ({ ...w, name: w.name.replace(/^(\w+)\//, 'outer/$1_1/') }));
    const m = matchWeights(source, student(10));
    expect(m.mapped).toHaveLength(5);
    expect(m.mapped[0]).toEqual({ target: 'stem_conv/kernel', source: 'outer/stem_conv_1/kernel' });
    // Two candidates for one key: neither is guessed.
    const twice = [...source, { name: 'stem_conv_2/kernel', shape: [3, 3, 1, 8] }];
    const m2 = matchWeights(twice, student(10));
    expect(m2.missing).toEqual(['stem_conv/kernel']);
    expect(m2.extra).toEqual(['outer/stem_conv_1/kernel', 'stem_conv_2/kernel']);
  });

  it('refuses a model none of whose weights fit', () => {
    const m = matchWeights([{ name: 'dense_1/kernel', shape: [784, 10] }], student(10));
    expect(m.mapped).toEqual([]);
    expect(matchBlocker(m)).toMatch(/no weight of this model fits/);
  });
});
