/**
 * Teacher model files held in memory (read from a user's folder, or kept in IndexedDB so an imported
 * teacher survives a reload without re-picking the folder).
 */
import * as tf from '@tensorflow/tfjs';
import { loadTeacher, type Teacher, type TeacherConfig } from './teacher';

export interface StoredArtifacts {
  modelTopology: unknown;
  weightSpecs: unknown;
  weightData: ArrayBuffer;
  format?: string;
}

export function loadTeacherFromArtifacts(a: StoredArtifacts, config: TeacherConfig): Promise<Teacher> {
  return loadTeacher(
    tf.io.fromMemory({
      modelTopology: a.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: a.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: a.weightData,
      format: a.format,
    }),
    config,
  );
}

/**
 * Reads model.json + weight shards picked by the user (tf.io.browserFiles) into one artifacts object,
 * with the shards concatenated so a single ArrayBuffer can be stored.
 */
export async function readArtifactsFromFiles(files: File[]): Promise<StoredArtifacts> {
  const json = files.find((f) => f.name === 'model.json') ?? files.find((f) => f.name.endsWith('.json'));
  if (!json)
    throw new Error(
      'no model.json in the chosen files: pick the folder that holds model.json and its .bin shards',
    );
  const manifest = JSON.parse(await json.text()) as { weightsManifest?: { paths: string[] }[] };
  const wanted = (manifest.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => p.split('/').pop()!));
  const missing = wanted.filter((p) => !files.some((f) => f.name === p));
  if (missing.length > 0)
    throw new Error(`model.json names weight files that are missing: ${missing.join(', ')}`);
  const shards = wanted.map((p) => files.find((f) => f.name === p)!);
  const artifacts = await tf.io.browserFiles([json, ...shards]).load!();
  const data = artifacts.weightData;
  const weightData = data instanceof ArrayBuffer ? data : tf.io.concatenateArrayBuffers(data ?? []);
  return {
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
    weightData,
    format: artifacts.format,
  };
}
