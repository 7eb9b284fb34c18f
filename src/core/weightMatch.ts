/**
 * Matching a pretrained model's weights into a student architecture by layer name and shape, before
 * any work: which student weight takes which stored one, and every mismatch (a student weight with no
 * source, a source weight nothing takes, a name whose shape differs). A classifier head whose only
 * difference is the class count is not a mismatch but a replacement: Fast MEAL V2 (like any fine-tune
 * onto new classes) keeps the student's fresh, seeded head there. Pure: names and shapes only.
 */

export interface WeightShape {
  name: string;
  shape: number[];
}

export interface WeightMatch {
  /** Student weight name -> the source weight it loads. */
  mapped: { target: string; source: string }[];
  /** Student weights no source weight fits: they keep their fresh init. */
  missing: string[];
  /** Source weights no student weight takes. */
  extra: string[];
  /** Same name, other shape (outside the head): they keep their fresh init. */
  shapeDiffers: { name: string; source: number[]; target: number[] }[];
  /** The head was replaced (fresh init) because the class counts differ. */
  headReplaced?: { sourceClasses: number; targetClasses: number };
  /** Weights loaded outside the head: none means the model is not this student's. */
  bodyMapped: number;
  /** Parameters loaded / all the student's. */
  loadedParams: number;
  totalParams: number;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * A name as layers of different sessions or exports write it: tfjs adds "_1", "_2" to a layer name it
 * has seen before, and a model nested in another prefixes its own name. The last two segments
 * (layer/weight) without the suffix identify a weight in the studio's students.
 */
export function weightKey(name: string): string {
  const parts = name.split('/');
  const tail = parts.slice(-2);
  return tail.map((p, i) => (i === tail.length - 2 ? p.replace(/_\d+$/, '') : p)).join('/');
}

/**
 * Maps every target weight to a source weight of the same name (exactly, else by weightKey when that
 * is unambiguous) and shape. `headLayer` names the classifier layer ('fc' in the studio's students);
 * its weights may differ in the class dimension only, and are then replaced rather than listed.
 */
export function matchWeights(source: WeightShape[], target: WeightShape[], headLayer = 'fc'): WeightMatch {
  const byName = new Map(source.map((w) => [w.name, w]));
  const byKey = new Map<string, WeightShape[]>();
  for (const w of source) {
    const k = weightKey(w.name);
    byKey.set(k, [...(byKey.get(k) ?? []), w]);
  }
  const used = new Set<string>();
  const out: WeightMatch = {
    mapped: [],
    missing: [],
    extra: [],
    shapeDiffers: [],
    bodyMapped: 0,
    loadedParams: 0,
    totalParams: 0,
  };
  const isHead = (name: string) => weightKey(name).split('/')[0] === headLayer;
  for (const t of target) {
    out.totalParams += size(t.shape);
    let s = byName.get(t.name);
    if (!s || used.has(s.name)) {
      const candidates = (byKey.get(weightKey(t.name)) ?? []).filter((c) => !used.has(c.name));
      s = candidates.length === 1 ? candidates[0] : undefined;
    }
    if (!s) {
      out.missing.push(t.name);
      continue;
    }
    used.add(s.name);
    if (sameShape(s.shape, t.shape)) {
      out.mapped.push({ target: t.name, source: s.name });
      out.loadedParams += size(t.shape);
      if (!isHead(t.name)) out.bodyMapped++;
    } else if (isHead(t.name) && sameShape(s.shape.slice(0, -1), t.shape.slice(0, -1))) {
      // The class count is the last dimension of the head's kernel and bias.
      out.headReplaced = { sourceClasses: s.shape.at(-1)!, targetClasses: t.shape.at(-1)! };
    } else {
      out.shapeDiffers.push({ name: t.name, source: s.shape, target: t.shape });
    }
  }
  out.extra = source.filter((s) => !used.has(s.name)).map((s) => s.name);
  return out;
}

/** Why the match cannot start a run, or null: nothing loaded means it is not this student's weights. */
export function matchBlocker(m: WeightMatch): string | null {
  if (m.bodyMapped === 0)
    return 'no weight of this model fits the student by name and shape: pick the student it was trained as';
  return null;
}

/** The match in words, one line per kind of mismatch, for the form and the run's record. */
export function describeMatch(m: WeightMatch): string[] {
  const pct = m.totalParams ? ((100 * m.loadedParams) / m.totalParams).toFixed(1) : '0';
  const lines = [
    `${m.mapped.length} weights loaded (${pct} % of the student's ${m.totalParams.toLocaleString('en')} parameters)`,
  ];
  if (m.headReplaced)
    lines.push(
      `classifier head replaced (fresh init): the model has ${m.headReplaced.sourceClasses} classes, the data ${m.headReplaced.targetClasses}`,
    );
  if (m.missing.length) lines.push(`missing in the model (fresh init): ${m.missing.join(', ')}`);
  if (m.shapeDiffers.length)
    lines.push(
      `shape differs (fresh init): ${m.shapeDiffers
        .map((d) => `${d.name} [${d.source.join(',')}] vs student [${d.target.join(',')}]`)
        .join(', ')}`,
    );
  if (m.extra.length) lines.push(`in the model but not the student (unused): ${m.extra.join(', ')}`);
  return lines;
}
