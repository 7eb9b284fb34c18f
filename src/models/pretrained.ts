/**
 * A pretrained student's weights (tfjs Layers files: model.json topology + weight specs + one buffer)
 * loaded into a freshly built student: the pure match (core/weightMatch) decides which student weight
 * takes which stored one; the rest, a replaced head included, keeps the student's seeded init.
 */
import * as tf from '@tensorflow/tfjs';
import { matchBlocker, matchWeights, type WeightMatch, type WeightShape } from '../core/weightMatch';
import type { StoredArtifacts } from './teacherArtifacts';

type Spec = tf.io.WeightsManifestEntry;

function specsOf(a: StoredArtifacts): Spec[] {
  const specs = a.weightSpecs;
  if (!Array.isArray(specs) || specs.length === 0)
    throw new Error('the model has no weights listed in its model.json (weightsManifest)');
  return specs as Spec[];
}

/** Names and shapes of the stored weights, without decoding them. */
export function storedWeightShapes(a: StoredArtifacts): WeightShape[] {
  return specsOf(a).map((s) => ({ name: s.name, shape: [...s.shape] }));
}

/** The student's weights (BatchNorm statistics included) as the match sees them. */
export function modelWeightShapes(model: tf.LayersModel): WeightShape[] {
  return model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map((d) => d as number) }));
}

const BYTES: Record<string, number> = { uint8: 1, int8: 1, bool: 1, float16: 2, uint16: 2, int16: 2 };

/** Throws a readable error when the weight buffer is not the size model.json's weights need. */
export function checkWeightBytes(a: StoredArtifacts): void {
  const expected = specsOf(a)
    .map((s) => s.shape.reduce((x, y) => x * y, 1) * (BYTES[s.quantization?.dtype ?? s.dtype] ?? 4))
    .reduce((x, y) => x + y, 0);
  if (expected !== a.weightData.byteLength)
    throw new Error(
      `the weight files hold ${a.weightData.byteLength} bytes, model.json lists ${expected}: pick the complete folder`,
    );
}

/** Decodes every stored weight (float16 and quantised ones too); throws a readable error on a short file. */
export function decodeStoredWeights(a: StoredArtifacts): tf.NamedTensorMap {
  try {
    return tf.io.decodeWeights(a.weightData, specsOf(a));
  } catch (e) {
    throw new Error(
      `the model's weight file does not hold what model.json lists (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
}

/**
 * Writes the matched stored weights into `model`; returns the match. Throws (model untouched) when
 * nothing fits, since that is not this student's model.
 */
export function loadPretrained(model: tf.LayersModel, a: StoredArtifacts, headLayer = 'fc'): WeightMatch {
  const match = matchWeights(storedWeightShapes(a), modelWeightShapes(model), headLayer);
  const blocker = matchBlocker(match);
  if (blocker) throw new Error(blocker);
  const decoded = decodeStoredWeights(a);
  try {
    const byName = new Map(model.weights.map((w) => [w.originalName, w]));
    for (const { target, source } of match.mapped) {
      const t = decoded[source];
      const w = byName.get(target)!;
      // Stored float16 / quantised weights decode to float32; an int weight keeps the variable's dtype.
      const value = t.dtype === w.dtype ? t : tf.cast(t, w.dtype);
      w.write(value);
      if (value !== t) value.dispose();
    }
  } finally {
    for (const t of Object.values(decoded)) t.dispose();
  }
  return match;
}

/** The class count of a stored model: the head's width, else the last listed weight's last dimension. */
export function storedClassCount(a: StoredArtifacts, headLayer = 'fc'): number | undefined {
  const shapes = storedWeightShapes(a);
  const head = shapes.find((s) => s.name.split('/').at(-2)?.replace(/_\d+$/, '') === headLayer);
  return (head ?? shapes.at(-1))?.shape.at(-1);
}
