import type { StoredArtifacts } from '../workers/api';

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

/** Writes the student into a folder the user picks (File System Access), e.g. next to their data. */
export async function saveArtifactsToFolder(a: StoredArtifacts, runName: string): Promise<boolean> {
  const picker = (
    window as { showDirectoryPicker?: (o: { mode: 'readwrite' }) => Promise<FileSystemDirectoryHandle> }
  ).showDirectoryPicker;
  if (!picker) return false;
  const dir = await picker({ mode: 'readwrite' });
  const stem = runName.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'student';
  const weights = `${stem}.weights.bin`;
  for (const [name, data] of [
    ['model.json', new Blob([modelJson(a, weights)], { type: 'application/json' })],
    [weights, new Blob([a.weightData])],
  ] as const) {
    const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
    await w.write(data);
    await w.close();
  }
  return true;
}
