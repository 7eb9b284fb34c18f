import { describe, expect, it } from 'vitest';
import { parseShareHash, shareHash, shareNeedsChecks, splitHash, type ShareState } from './shareState';

const full: ShareState = {
  view: 'labels',
  dataset: 'fashion-mnist',
  teacher: 'embedded:fashion-cnn-teacher',
  labelSet: 'labels:abc123',
  labels: { numCrops: 8, codec: 'mrTopK', k: 3, precision: 'q16', temperature: 2, scale: [0.08, 1], seed: 7 },
  train: {
    arch: 'mlp',
    width: 256,
    epochs: 4,
    numCrops: 2,
    cropsPerStep: 32,
    optimizer: 'sgd',
    lr: 0.05,
    schedule: 'cosine:step',
    temperature: 1.5,
    warmupEpochs: 1,
    singleCropWarmup: 2,
    seed: 3,
    methods: ['fkd', 'onlineKd'],
  },
  image: 12,
  crop: 3,
  presenter: true,
};

describe('share state in the URL', () => {
  it('round-trips every setting', () => {
    const hash = shareHash(full);
    expect(hash.startsWith('#/labels?')).toBe(true);
    expect(parseShareHash(hash)).toEqual({ state: full, problems: [] });
  });

  it('a bare view or empty hash is no state and no problem', () => {
    expect(parseShareHash('#/train')).toEqual({ state: { view: 'train' }, problems: [] });
    expect(parseShareHash('')).toEqual({ state: {}, problems: [] });
    expect(splitHash('#/runs?seed=1')).toEqual({ view: 'runs', query: 'seed=1' });
  });

  it('reports unknown and malformed parameters and keeps the good ones', () => {
    const { state, problems } = parseShareHash(
      '#/nowhere?seed=abc&l.codec=zip&l.scale=0.5,0.1&epochs=3&foo=1&lr=1e400&l.crops=5&l.crops=9&ds=../../etc',
    );
    expect(state).toEqual({ train: { epochs: 3 }, labels: { numCrops: 5 } });
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/unknown view "nowhere"/);
    expect(problems.join('\n')).toMatch(/"seed=abc" ignored: expected a seed/);
    expect(problems.join('\n')).toMatch(/unknown parameter "foo"/);
    expect(problems.join('\n')).toMatch(/given twice/);
    expect(problems.join('\n')).toMatch(/"ds=..\/..\/etc" ignored/);
  });

  it('nothing in a link becomes code, a URL or an object key outside the whitelist', () => {
    for (const hash of [
      '#/data?ds=javascript:alert(1)',
      '#/data?teacher=https://evil.example/model.json',
      '#/data?__proto__=1&constructor=2',
      '#/data?ls=<img src=x onerror=alert(1)>',
      '#/data?methods=fkd,eval',
      `#/data?img=${'9'.repeat(400)}`,
      '#/data?%E0%A4%A=1',
    ]) {
      const { state, problems } = parseShareHash(hash);
      expect(problems.length).toBeGreaterThan(0);
      expect(Object.keys(state)).toEqual(['view']);
      expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    }
  });

  it('writes only values the parser accepts', () => {
    const hash = shareHash({ view: 'train', train: { epochs: -3, seed: 5 }, dataset: 'a b' });
    expect(hash).toBe('#/train?seed=5');
  });
});

describe('shareNeedsChecks', () => {
  it('is false for a plain page or a link with only settings, true when it names stored things or had problems', () => {
    expect(shareNeedsChecks(parseShareHash(''))).toBe(false);
    expect(shareNeedsChecks(parseShareHash('#train'))).toBe(false);
    expect(shareNeedsChecks({ state: { dataset: 'folder:x' }, problems: [] })).toBe(true);
    expect(shareNeedsChecks({ state: { teacher: 't' }, problems: [] })).toBe(true);
    expect(shareNeedsChecks({ state: { labelSet: 'l' }, problems: [] })).toBe(true);
    expect(shareNeedsChecks({ state: {}, problems: ['bad: x'] })).toBe(true);
  });
});
