/** Loading an exported student (tfjs Layers format) back, e.g. to check an export evaluates the same. */
import * as tf from '@tensorflow/tfjs';
import type { StoredArtifacts } from './teacherArtifacts';
// Registers the ViT's custom layers with tf.serialization before any model.json is parsed.
import './vit';

export function loadStudentFromArtifacts(a: StoredArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: a.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: a.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: a.weightData,
    }),
  );
}
