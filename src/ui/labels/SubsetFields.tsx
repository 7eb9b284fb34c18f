import { useState } from 'react';
import type { LabelSubset } from '../../core/labelSettings';
import type { Dataset } from '../../store';

type Kind = 'all' | LabelSubset['kind'];

/**
 * Class numbers, folder names, wnids or class names, comma separated, as class indices; the entries
 * that match no class come back separately so the form can name them.
 */
export function parseClassList(text: string, dataset: Pick<Dataset, 'classes' | 'numClasses'>) {
  const classes: number[] = [];
  const unknown: string[] = [];
  for (const raw of text.split(',')) {
    const t = raw.trim();
    if (!t) continue;
    const asNumber = /^\d+$/.test(t) ? Number(t) : NaN;
    const hit =
      asNumber < dataset.numClasses
        ? asNumber
        : dataset.classes.find(
            (c) => c.folder === t || c.wnid === t || c.name.toLowerCase() === t.toLowerCase(),
          )?.index;
    if (hit === undefined) unknown.push(t);
    else if (!classes.includes(hit)) classes.push(hit);
  }
  return { classes, unknown };
}

/** Which training images get labels: all, the first N per class, some classes, or a fraction. */
export function SubsetFields({
  dataset,
  subset,
  onChange,
}: {
  dataset: Pick<Dataset, 'classes' | 'numClasses'>;
  subset: LabelSubset | null;
  onChange: (s: LabelSubset | null) => void;
}) {
  const kind: Kind = subset?.kind ?? 'all';
  const [classText, setClassText] = useState(subset?.kind === 'classes' ? subset.classes.join(', ') : '');
  const [unknown, setUnknown] = useState<string[]>([]);

  function pick(k: Kind) {
    if (k === 'all') onChange(null);
    else if (k === 'perClass') onChange({ kind: 'perClass', n: 100 });
    else if (k === 'fraction') onChange({ kind: 'fraction', fraction: 0.1 });
    else onChange({ kind: 'classes', classes: [0] });
  }

  return (
    <fieldset className="field" aria-label="Images to label">
      <legend>Images to label</legend>
      <select aria-label="Subset" value={kind} onChange={(e) => pick(e.target.value as Kind)}>
        <option value="all">all training images</option>
        <option value="perClass">first N of each class</option>
        <option value="classes">some classes</option>
        <option value="fraction">a seeded fraction</option>
      </select>
      {subset?.kind === 'perClass' && (
        <input
          aria-label="Images per class"
          type="number"
          min={1}
          value={subset.n}
          onChange={(e) => onChange({ kind: 'perClass', n: Math.floor(+e.target.value) })}
        />
      )}
      {subset?.kind === 'fraction' && (
        <input
          aria-label="Fraction"
          type="number"
          min={0.001}
          max={1}
          step={0.01}
          value={subset.fraction}
          onChange={(e) => onChange({ kind: 'fraction', fraction: +e.target.value })}
        />
      )}
      {subset?.kind === 'classes' && (
        <>
          <input
            aria-label="Classes"
            placeholder="0, 7, n01440764, tench"
            value={classText}
            onChange={(e) => {
              setClassText(e.target.value);
              const parsed = parseClassList(e.target.value, dataset);
              setUnknown(parsed.unknown);
              if (parsed.classes.length) onChange({ kind: 'classes', classes: parsed.classes });
            }}
          />
          {unknown.length > 0 && <small className="muted">not a class here: {unknown.join(', ')}</small>}
        </>
      )}
    </fieldset>
  );
}
