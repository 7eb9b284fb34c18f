/**
 * Teacher loading for soft-label generation and online KD. A teacher is frozen and always runs in
 * inference mode (docs/fkd.md; converted graph models cannot train BN anyway: docs/tfjs-notes.md).
 * Both tfjs formats are accepted: a Layers model (Keras-converted / saved by tfjs) or a Graph model
 * (TF SavedModel converted). The model.json is read once and its `format` decides which loader runs.
 * For a folder picked by the user, pass tf.io.browserFiles([modelJson, ...shards]).
 */
import * as tf from '@tensorflow/tfjs';

export interface TeacherConfig {
  id: string;
  name: string;
  inputSize: number;
  channels: 1 | 3;
  channelOrder: 'rgb' | 'bgr';
  /** imagenet: mean/std; unit: [0,1]; symmetric: [-1,1]. */
  normalisation: 'imagenet' | 'unit' | 'symmetric';
  output: 'logits' | 'probabilities';
  numClasses: number;
  classMapping: 'imagenet1000' | 'dataset';
}

export interface Teacher {
  config: TeacherConfig;
  kind: 'layers' | 'graph';
  /** [batch, H, W, C] as the model declares it; null = any size. */
  inputShape: (number | null)[];
  /**
   * Synchronous, for use inside tf.tidy. Always returns logits-like scores: declared probabilities come
   * back as log(p), so softmax(scores / T) = p^(1/T) / Z stays the right tempered distribution.
   */
  predictLogits(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
  /**
   * Set on a teacher ensemble (models/ensemble.ts): its members, each cropped at its own input size and
   * normalisation; the ensemble's distribution is the mean of the members' tempered softmaxes.
   */
  members?: Teacher[];
}

/** Smallest probability we take the log of; keeps exact zeros finite. */
const LOG_FLOOR = 1e-12;

async function readArtifacts(source: string | tf.io.IOHandler): Promise<tf.io.ModelArtifacts> {
  let handler: tf.io.IOHandler;
  if (typeof source === 'string') {
    const handlers = tf.io.getLoadHandlers(source);
    if (handlers.length === 0) handler = tf.io.http(source);
    else handler = handlers[0];
  } else {
    handler = source;
  }
  if (!handler.load) throw new Error('teacher source cannot be loaded (its IOHandler has no load())');
  return handler.load();
}

/** Graph models say format 'graph-model' and carry a GraphDef (`node` list) as topology. */
function looksLikeGraphModel(artifacts: tf.io.ModelArtifacts): boolean {
  if (artifacts.format === 'graph-model') return true;
  if (artifacts.format === 'layers-model') return false;
  const topology = artifacts.modelTopology as { node?: unknown } | undefined;
  return topology != null && Array.isArray(topology.node);
}

function toLogits(raw: tf.Tensor, output: TeacherConfig['output']): tf.Tensor2D {
  const flat = (raw.rank === 2 ? raw : tf.reshape(raw, [raw.shape[0], -1])) as tf.Tensor2D;
  return output === 'probabilities' ? tf.log(tf.maximum(flat, LOG_FLOOR)) : flat;
}

function fromLayers(model: tf.LayersModel, config: TeacherConfig): Teacher {
  const shape = model.inputs[0].shape;
  return {
    config,
    kind: 'layers',
    inputShape: shape.slice(),
    predictLogits: (x) => tf.tidy(() => toLogits(model.predict(x) as tf.Tensor, config.output)),
    dispose: () => model.dispose(),
  };
}

function fromGraph(model: tf.GraphModel, config: TeacherConfig): Teacher {
  const shape = model.inputs[0]?.shape ?? [];
  return {
    config,
    kind: 'graph',
    inputShape: shape.map((d) => (d == null || d < 0 ? null : d)),
    predictLogits: (x) =>
      tf.tidy(() => {
        const out = model.execute(x);
        // Several outputs: the first is taken (validateTeacher reports the count mismatch otherwise).
        const first = Array.isArray(out) ? out[0] : out;
        return toLogits(first, config.output);
      }),
    dispose: () => model.dispose(),
  };
}

export async function loadTeacher(source: string | tf.io.IOHandler, config: TeacherConfig): Promise<Teacher> {
  const artifacts = await readArtifacts(source);
  const memory = tf.io.fromMemory(artifacts);
  if (looksLikeGraphModel(artifacts)) {
    return fromGraph(await tf.loadGraphModel(memory), config);
  }
  try {
    return fromLayers(await tf.loadLayersModel(memory), config);
  } catch (layersError) {
    // Unlabelled or unusual model.json: a Graph model is the other thing it can be.
    try {
      return fromGraph(await tf.loadGraphModel(tf.io.fromMemory(artifacts)), config);
    } catch (graphError) {
      throw new Error(
        `could not load the teacher as a Layers model (${String(layersError)}) ` +
          `nor as a Graph model (${String(graphError)})`,
        { cause: graphError },
      );
    }
  }
}

/**
 * Checks a loaded teacher against its config and the dataset before hours of label generation:
 * input shape, output width vs class count, and finite output on one random input.
 */
export async function validateTeacher(
  teacher: Teacher,
  numClasses: number,
): Promise<{ ok: boolean; errors: string[] }> {
  if (teacher.members) {
    // An ensemble fits when every member does (each has its own input size and normalisation).
    const errors: string[] = [];
    for (const m of teacher.members) {
      const r = await validateTeacher(m, numClasses);
      errors.push(...r.errors.map((e) => `${m.config.name}: ${e}`));
    }
    return { ok: errors.length === 0, errors };
  }
  const errors: string[] = [];
  const { config } = teacher;
  const [, h, w, c] = teacher.inputShape;
  if (teacher.inputShape.length !== 4) {
    errors.push(
      `the teacher takes rank-${teacher.inputShape.length} input; an image model needs [batch, H, W, C]`,
    );
  } else {
    if ((h != null && h !== config.inputSize) || (w != null && w !== config.inputSize)) {
      errors.push(
        `the teacher expects ${h}x${w} input but its config says ${config.inputSize}x${config.inputSize}`,
      );
    }
    if (c != null && c !== config.channels) {
      errors.push(`the teacher expects ${c} channel(s) but its config says ${config.channels}`);
    }
  }
  const expectedWidth = config.classMapping === 'imagenet1000' ? 1000 : numClasses;
  if (config.numClasses !== expectedWidth) {
    errors.push(`the config declares ${config.numClasses} classes but ${expectedWidth} are needed`);
  }
  if (teacher.inputShape.length !== 4) return { ok: false, errors };

  let probe: tf.Tensor2D;
  try {
    probe = tf.tidy(() => {
      const x = tf.randomUniform(
        [1, config.inputSize, config.inputSize, config.channels],
        -1,
        1,
      ) as tf.Tensor4D;
      return teacher.predictLogits(x);
    });
  } catch (e) {
    errors.push(`running the teacher on a random crop failed: ${String(e)}`);
    return { ok: false, errors };
  }
  try {
    const width = probe.shape[1];
    if (width !== expectedWidth) {
      const what = config.classMapping === 'imagenet1000' ? 'ImageNet-1k' : 'the dataset';
      errors.push(`the teacher outputs ${width} classes but ${what} has ${expectedWidth}`);
    }
    const values = await probe.data();
    if (!values.every((v) => Number.isFinite(v))) {
      errors.push('the teacher produced NaN or infinite outputs on a random crop');
    } else if (config.output === 'probabilities') {
      let sum = 0;
      for (const v of values) sum += Math.exp(v);
      if (Math.abs(sum - 1) > 1e-3) {
        errors.push(
          `outputs are declared as probabilities but sum to ${sum.toFixed(4)}; set output to 'logits'`,
        );
      }
    }
  } finally {
    probe.dispose();
  }
  return { ok: errors.length === 0, errors };
}
