/**
 * Student checkpoints as plain named buffers (for our own idb store: docs/tfjs-notes.md), plus tfjs
 * ModelArtifacts for model.save-compatible export. All reads are `await data()` (docs/tfjs-notes.md).
 * Names are the weights' ORIGINAL names ("stem_conv/kernel"): tfjs makes the live variable names unique
 * per session ("..._1"), which would break a resume in a new worker.
 */
import * as tf from '@tensorflow/tfjs';

export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: ArrayBuffer;
}

/** Every weight, trainable or not (BN moving mean/variance are part of the checkpoint). */
export async function exportWeights(model: tf.LayersModel): Promise<NamedWeight[]> {
  const out: NamedWeight[] = [];
  for (const w of model.weights) {
    const t = w.read();
    const values = await t.data();
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    // Copy: on the cpu backend data() can hand back the backend's own array.
    const data = dtype === 'int32' ? Int32Array.from(values).buffer : Float32Array.from(values).buffer;
    out.push({ name: w.originalName, shape: w.shape.map((d) => d as number), dtype, data });
  }
  return out;
}

/** Writes a checkpoint back into a model of the same architecture. Throws on any missing or odd weight. */
export function importWeights(model: tf.LayersModel, weights: NamedWeight[]): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const problems: string[] = [];
  const tensors = model.weights.map((w) => {
    const src = byName.get(w.originalName);
    if (!src) {
      problems.push(`missing weight ${w.originalName}`);
      return null;
    }
    if (!tf.util.arraysEqual(src.shape, w.shape as number[])) {
      problems.push(`${w.originalName}: checkpoint shape [${src.shape}] vs model [${w.shape}]`);
      return null;
    }
    const values = src.dtype === 'int32' ? new Int32Array(src.data) : new Float32Array(src.data);
    return tf.tensor(values, src.shape, src.dtype);
  });
  if (problems.length === 0 && weights.length !== model.weights.length) {
    problems.push(`checkpoint has ${weights.length} weights, model has ${model.weights.length}`);
  }
  try {
    if (problems.length > 0) throw new Error(`importWeights: ${problems.join('; ')}`);
    model.setWeights(tensors as tf.Tensor[]);
  } finally {
    // setWeights assigns (shares the data, ref-counted), so our copies can go.
    for (const t of tensors) t?.dispose();
  }
}

/** The model's topology + weights as tfjs ModelArtifacts, captured in memory (no download, no idb). */
export async function saveModelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: artifacts.weightData
            ? tf.io.CompositeArrayBuffer.join(artifacts.weightData).byteLength
            : 0,
        },
      };
    }),
  );
  if (!captured) throw new Error('saveModelArtifacts: the save handler was not called');
  return captured;
}
