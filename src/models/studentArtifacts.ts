/** Loading an exported student (tfjs Layers format) back, e.g. to check an export evaluates the same. */
import * as tf from '@tensorflow/tfjs';
import type { StoredArtifacts } from './teacherArtifacts';
// Importing sret (which imports vit) registers their custom layers with tf.serialization before any
// model.json is parsed.
import { ownSharedLayers } from './sret';

export async function loadStudentFromArtifacts(a: StoredArtifacts): Promise<tf.LayersModel> {
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: a.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: a.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: a.weightData,
    }),
  );
  return ownSharedLayers(model);
}
