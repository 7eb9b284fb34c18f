/**
 * bench:scale's inputs: the synthetic ImageNet layouts (bench/scaleTree.ts) opened through the folder
 * flow so indexing is timed on its own; and a tiny dense 1000-class teacher made in Node and imported
 * like a user's model folder, so generation runs on a set with ImageNet's class count at a cost the
 * loaded machine can carry.
 */
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';

/** Indexes the OPFS folder through the studio's folder flow; returns the dataset id and the seconds it took. */
export function indexOpfsFolder(page: Page, name: string): Promise<{ datasetId: string; seconds: number }> {
  return page.evaluate(async (n) => {
    const root = await navigator.storage.getDirectory();
    const top = await root.getDirectoryHandle(n);
    const open = (
      window as unknown as {
        __fkdOpenDirectory: (h: FileSystemDirectoryHandle, n: string) => Promise<string>;
      }
    ).__fkdOpenDirectory;
    const t0 = performance.now();
    const datasetId = await open(top, n);
    return { datasetId, seconds: (performance.now() - t0) / 1000 };
  }, name);
}

/** A flatten + dense teacher over 16x16 RGB crops with `classes` outputs, imported as a model folder. */
export async function importDenseTeacher(page: Page, classes: number): Promise<string> {
  const m = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [16, 16, 3] }), tf.layers.dense({ units: classes })],
  });
  let artifacts: tf.io.ModelArtifacts | null = null;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  m.dispose();
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const modelJson = JSON.stringify({
    format: 'layers-model',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  });
  const weights = Buffer.from(a.weightData as ArrayBuffer).toString('base64');
  return page.evaluate(
    async ({ modelJson, weights, classes }) => {
      const bin = Uint8Array.from(atob(weights), (ch) => ch.charCodeAt(0));
      const files = [new File([modelJson], 'model.json'), new File([bin], 'weights.bin')];
      const r = await window.__fkd!.studio().teacher.api.importTeacher({
        name: `bench dense ${classes}`,
        files,
        config: {
          ...{ inputSize: 16, channels: 3, channelOrder: 'rgb', normalisation: 'unit' },
          ...{ output: 'logits', numClasses: classes, classMapping: 'dataset' },
        },
      });
      return r.id;
    },
    { modelJson, weights, classes },
  );
}
