/**
 * Bench teachers: seeded random-weight models built in Node and imported through the teacher worker
 * as a user's model.json + weights would be.
 */
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { modelFlops } from '../src/models/flops';
import { buildStudent } from '../src/models/students';
import type { TeacherConfig } from '../src/models/teacher';

/** A teacher model with random weights, as the two files a user would pick (model.json + one shard). */
export interface TeacherArtifacts {
  modelJson: string;
  weightsB64: string;
  /** Forward FLOPs per crop (src/models/flops.ts: 2 x multiply-adds of conv and dense layers). */
  flops: number;
  params: number;
}

export interface RandomTeacherSpec {
  /**
   * dense: flatten-512-256-classes (cheap per FLOP, the decode-bound teacher of bench:train);
   * conv: two VGG-style stages (3x3 conv 32, 32, max-pool; 3x3 conv 64, 64, max-pool), dense 128,
   * classes: ~37.5 MFLOPs at 28x28x1, the "heavy" teacher of bench:slg and bench:train's compute-bound
   * configuration (FKD's teachers cost far more than the student: ~8x resnetMini's 4.7 MFLOPs here).
   * resnet18: the studio's own ResNet-18 shape (src/models, BN, 4 stages of 2 BasicBlocks) at stage
   * width `width` (default 16: ~57 MFLOPs at 28x28x1, 12x resnetMini): a teacher of the student's
   * own family, deeper and wider, as FKD pairs ResNet-50 students with far larger ResNet-family
   * teachers. (A plain conv stack does many FLOPs per kernel launch, so at 8x the FLOPs it still ran
   * in less time than resnetMini's forward + backward on WebGL.)
   */
  kind: 'dense' | 'conv' | 'resnet18';
  width?: number;
  /** dense only: hidden layer widths (default 512, 256). */
  hidden?: number[];
  inputSize: number;
  channels: 1 | 3;
  numClasses: number;
}

/** Builds the teacher with seeded weights in Node (cpu backend) and saves it as tfjs Layers artifacts. */
export async function randomTeacher(spec: RandomTeacherSpec): Promise<TeacherArtifacts> {
  await tf.setBackend('cpu');
  let seed = 1;
  const he = () => tf.initializers.heNormal({ seed: seed++ });
  // Functional (not Sequential) so modelFlops sees the InputLayer.
  if (spec.kind === 'resnet18') {
    const m = buildStudent('resnet18', {
      inputSize: spec.inputSize,
      channels: spec.channels,
      numClasses: spec.numClasses,
      seed: 1,
      width: spec.width ?? 16,
    });
    return saveArtifacts(m);
  }
  const input = tf.input({ shape: [spec.inputSize, spec.inputSize, spec.channels] });
  let x: tf.SymbolicTensor = input;
  if (spec.kind === 'conv') {
    for (const filters of [32, 64]) {
      for (let i = 0; i < 2; i++) {
        x = tf.layers
          .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() })
          .apply(x) as tf.SymbolicTensor;
      }
      x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .dense({ units: 128, activation: 'relu', kernelInitializer: he() })
      .apply(x) as tf.SymbolicTensor;
  } else {
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    for (const units of spec.hidden ?? [512, 256]) {
      x = tf.layers
        .dense({ units, activation: 'relu', kernelInitializer: he() })
        .apply(x) as tf.SymbolicTensor;
    }
  }
  const out = tf.layers
    .dense({ units: spec.numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) })
    .apply(x) as tf.SymbolicTensor;
  return saveArtifacts(tf.model({ inputs: input, outputs: out }));
}

/** Serialises a functional model as a teacher folder's files would hold it; disposes the model. */
async function saveArtifacts(model: tf.LayersModel): Promise<TeacherArtifacts> {
  const flops = modelFlops(model).reduce((a, l) => a + l.flops, 0);
  const params = model.countParams();
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: 'bench/teachers.ts',
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
  });
  const wd = a.weightData!;
  const data = Array.isArray(wd) ? tf.io.concatenateArrayBuffers(wd) : wd;
  return { modelJson, weightsB64: Buffer.from(data).toString('base64'), flops, params };
}

/** Imports the artifacts through the teacher worker as the "Import teacher" form does; its teacher id. */
export async function importTeacher(
  page: Page,
  name: string,
  art: TeacherArtifacts,
  config: Omit<TeacherConfig, 'id' | 'name'>,
): Promise<string> {
  return page.evaluate(
    async ({ name, modelJson, weightsB64, config }) => {
      const bin = Uint8Array.from(atob(weightsB64), (ch) => ch.charCodeAt(0));
      const files = [
        new File([modelJson], 'model.json', { type: 'application/json' }),
        new File([bin], 'group1-shard1of1.bin'),
      ];
      const r = await window.__fkd!.studio().teacher.api.importTeacher({ name, files, config });
      return r.id;
    },
    { name, modelJson: art.modelJson, weightsB64: art.weightsB64, config },
  );
}
