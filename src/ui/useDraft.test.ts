import { describe, expect, it } from 'vitest';
import { isRangeOrNull, restoreDraft } from './useDraft';

const defaults = { arch: 'resnetMini', epochs: 16, scale: [0.35, 1] as [number, number], nesterov: false };

describe('restoreDraft', () => {
  it('nothing stored or unreadable JSON: the defaults', () => {
    expect(restoreDraft(null, defaults)).toBe(defaults);
    expect(restoreDraft('{"arch": "mlp"', defaults)).toBe(defaults);
    expect(restoreDraft('[1,2]', defaults)).toBe(defaults);
    expect(restoreDraft('"mlp"', defaults)).toBe(defaults);
  });

  it('a stored draft overrides the defaults field by field', () => {
    const r = restoreDraft(JSON.stringify({ arch: 'mlp', epochs: 4 }), defaults);
    expect(r).toEqual({ arch: 'mlp', epochs: 4, scale: [0.35, 1], nesterov: false });
  });

  it('a field of the wrong kind keeps its default; optional fields are taken when scalar', () => {
    const raw = JSON.stringify({
      epochs: '4',
      scale: 0.5,
      nesterov: null,
      width: 8,
      labelSetId: 'ls:1',
      nested: { a: 1 },
    });
    expect(restoreDraft(raw, defaults)).toEqual({ ...defaults, width: 8, labelSetId: 'ls:1' });
  });

  it('scalars must keep their kind; accept decides for ranges', () => {
    expect(restoreDraft('12', 40)).toBe(12);
    expect(restoreDraft('"12"', 40)).toBe(40);
    expect(restoreDraft('[0.1, 1]', null, isRangeOrNull)).toEqual([0.1, 1]);
    expect(restoreDraft('null', null, isRangeOrNull)).toBeNull();
    expect(restoreDraft('[0.1]', null, isRangeOrNull)).toBeNull();
    expect(restoreDraft('["a", 1]', null, isRangeOrNull)).toBeNull();
  });
});
