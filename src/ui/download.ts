import type { StoredArtifacts } from '../models/teacherArtifacts';

function save(blob: Blob, name: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** tfjs Layers format: model.json naming one weights file, as tf.loadLayersModel expects. */
export function modelJson(a: StoredArtifacts, weightsName: string): string {
  return JSON.stringify({
    format: a.format ?? 'layers-model',
    generatedBy: 'FKD Studio',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [weightsName], weights: a.weightSpecs }],
  });
}

export function downloadArtifacts(a: StoredArtifacts, runName: string): void {
  const stem = runName.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'student';
  const weights = `${stem}.weights.bin`;
  save(new Blob([modelJson(a, weights)], { type: 'application/json' }), 'model.json');
  save(new Blob([a.weightData]), weights);
}
