/**
 * Student builders, sized for 28x28 Fashion-MNIST crops trained in a browser without a GPU.
 * All are tf.LayersModel so BatchNormalization trains via model.apply(x, {training: true}) (pitfall 5),
 * and all end in a linear Dense layer: the losses take logits (pitfall 12).
 *
 * Determinism: every initialiser gets its own seed derived from opts.seed, so one seed = one set of
 * initial weights (tfjs initialisers are otherwise unseeded Math.random).
 * BatchNorm: momentum 0.9 / epsilon 1e-5 = PyTorch's momentum 0.1 / eps 1e-5, i.e. the torchvision
 * students of the reference (Keras defaults 0.99 / 1e-3 would make the moving statistics far too slow for
 * our short runs). One remaining difference: tfjs tracks the biased batch variance, PyTorch the unbiased.
 * Layer names are explicit so checkpoint names ("stem_conv/kernel") are stable across sessions.
 */
import * as tf from '@tensorflow/tfjs';

export type StudentArch = 'mlp' | 'tinyCnn' | 'resnetMini' | 'mobilenetMini';

export interface StudentOptions {
  inputSize: number;
  channels: number;
  numClasses: number;
  seed: number;
  /** Base width: hidden units (mlp) or first-stage channels (CNNs). Defaults per arch below. */
  width?: number;
}

const DEFAULT_WIDTH: Record<StudentArch, number> = { mlp: 64, tinyCnn: 8, resnetMini: 8, mobilenetMini: 8 };
const BN = { momentum: 0.9, epsilon: 1e-5 };

type Sym = tf.SymbolicTensor;
type Initializer = ReturnType<typeof tf.initializers.heNormal>;

/** Hands out a distinct, reproducible seed to each initialiser. */
class SeededInit {
  private counter = 0;
  constructor(private readonly seed: number) {}
  private next(): number {
    this.counter += 1;
    return this.seed * 7919 + this.counter;
  }
  /** torchvision's kaiming_normal_(mode='fan_out', relu) for convs (tfjs 'normal' is truncated). */
  conv(): Initializer {
    return tf.initializers.varianceScaling({
      scale: 2,
      mode: 'fanOut',
      distribution: 'normal',
      seed: this.next(),
    });
  }
  /** He normal (fan-in) for hidden dense layers followed by ReLU. */
  hidden(): Initializer {
    return tf.initializers.heNormal({ seed: this.next() });
  }
  dense(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.next() });
  }
}

interface Ctx {
  init: SeededInit;
}

function conv(ctx: Ctx, x: Sym, name: string, filters: number, kernelSize: number, strides = 1): Sym {
  return tf.layers
    .conv2d({
      name,
      filters,
      kernelSize,
      strides,
      padding: 'same',
      useBias: false, // followed by BN, as torchvision
      kernelInitializer: ctx.init.conv(),
    })
    .apply(x) as Sym;
}

function bn(x: Sym, name: string): Sym {
  return tf.layers.batchNormalization({ name, ...BN }).apply(x) as Sym;
}

function relu(x: Sym, name: string, max?: number): Sym {
  return tf.layers.reLU({ name, maxValue: max }).apply(x) as Sym;
}

function logits(ctx: Ctx, x: Sym, numClasses: number): Sym {
  return tf.layers
    .dense({
      name: 'fc',
      units: numClasses,
      kernelInitializer: ctx.init.dense(),
      biasInitializer: 'zeros',
    })
    .apply(x) as Sym;
}

function mlp(ctx: Ctx, input: Sym, width: number, numClasses: number): Sym {
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input) as Sym;
  for (const i of [1, 2]) {
    x = tf.layers
      .dense({
        name: `dense${i}`,
        units: width,
        useBias: false,
        kernelInitializer: ctx.init.hidden(),
      })
      .apply(x) as Sym;
    x = relu(bn(x, `bn${i}`), `relu${i}`);
  }
  return logits(ctx, x, numClasses);
}

/** conv(w) -> conv(2w, stride 2) -> GAP -> dense: the smallest CNN that still learns Fashion-MNIST. */
function tinyCnn(ctx: Ctx, input: Sym, width: number, numClasses: number): Sym {
  let x = relu(bn(conv(ctx, input, 'conv1', width, 3), 'bn1'), 'relu1');
  x = relu(bn(conv(ctx, x, 'conv2', width * 2, 3, 2), 'bn2'), 'relu2');
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  return logits(ctx, x, numClasses);
}

/** ResNet BasicBlock (He et al.): two 3x3 convs + identity, or a 1x1 projection when the shape changes. */
function basicBlock(ctx: Ctx, x: Sym, name: string, filters: number, strides: number): Sym {
  const inChannels = x.shape[3];
  let y = relu(bn(conv(ctx, x, `${name}_conv1`, filters, 3, strides), `${name}_bn1`), `${name}_relu1`);
  y = bn(conv(ctx, y, `${name}_conv2`, filters, 3), `${name}_bn2`);
  const shortcut =
    strides !== 1 || inChannels !== filters
      ? bn(conv(ctx, x, `${name}_proj`, filters, 1, strides), `${name}_proj_bn`)
      : x;
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as Sym;
  return relu(sum, `${name}_out`);
}

/** ResNet-18's shape in miniature: 3x3 stem, one BasicBlock per stage at widths w, 2w, 4w. */
function resnetMini(ctx: Ctx, input: Sym, width: number, numClasses: number): Sym {
  let x = relu(bn(conv(ctx, input, 'stem_conv', width, 3), 'stem_bn'), 'stem_relu');
  x = basicBlock(ctx, x, 'stage1', width, 1);
  x = basicBlock(ctx, x, 'stage2', width * 2, 2);
  x = basicBlock(ctx, x, 'stage3', width * 4, 2);
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  return logits(ctx, x, numClasses);
}

/** MobileNetV2 inverted residual: 1x1 expand (ReLU6) -> 3x3 depthwise (ReLU6) -> 1x1 linear project. */
function invertedResidual(
  ctx: Ctx,
  x: Sym,
  name: string,
  expand: number,
  filters: number,
  strides: number,
): Sym {
  const inChannels = x.shape[3] as number;
  let y = x;
  if (expand !== 1) {
    y = relu(
      bn(conv(ctx, y, `${name}_expand`, inChannels * expand, 1), `${name}_expand_bn`),
      `${name}_expand_relu`,
      6,
    );
  }
  y = tf.layers
    .depthwiseConv2d({
      name: `${name}_dw`,
      kernelSize: 3,
      strides,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: ctx.init.conv(),
    })
    .apply(y) as Sym;
  y = relu(bn(y, `${name}_dw_bn`), `${name}_dw_relu`, 6);
  y = bn(conv(ctx, y, `${name}_project`, filters, 1), `${name}_project_bn`);
  if (strides === 1 && inChannels === filters) {
    y = tf.layers.add({ name: `${name}_add` }).apply([x, y]) as Sym;
  }
  return y;
}

/** MobileNetV2's building blocks in miniature: stem w, blocks (t,c,s) = (1,w,1) (4,2w,2) (4,2w,1) (4,4w,2). */
function mobilenetMini(ctx: Ctx, input: Sym, width: number, numClasses: number): Sym {
  let x = relu(bn(conv(ctx, input, 'stem_conv', width, 3), 'stem_bn'), 'stem_relu', 6);
  x = invertedResidual(ctx, x, 'block1', 1, width, 1);
  x = invertedResidual(ctx, x, 'block2', 4, width * 2, 2);
  x = invertedResidual(ctx, x, 'block3', 4, width * 2, 1);
  x = invertedResidual(ctx, x, 'block4', 4, width * 4, 2);
  x = relu(bn(conv(ctx, x, 'head_conv', width * 8, 1), 'head_bn'), 'head_relu', 6);
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  return logits(ctx, x, numClasses);
}

const BUILDERS: Record<StudentArch, (ctx: Ctx, input: Sym, width: number, numClasses: number) => Sym> = {
  mlp,
  tinyCnn,
  resnetMini,
  mobilenetMini,
};

export function buildStudent(arch: StudentArch, opts: StudentOptions): tf.LayersModel {
  const builder = BUILDERS[arch];
  if (!builder) throw new Error(`unknown student architecture '${arch}'`);
  if (!Number.isInteger(opts.seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
  const width = opts.width ?? DEFAULT_WIDTH[arch];
  const input = tf.input({ name: 'input', shape: [opts.inputSize, opts.inputSize, opts.channels] });
  const output = builder({ init: new SeededInit(opts.seed) }, input, width, opts.numClasses);
  return tf.model({ name: arch, inputs: input, outputs: output });
}

export interface ModelSummary {
  params: number;
  layers: { name: string; type: string; outputShape: (number | null)[]; params: number }[];
}

export function describeModel(model: tf.LayersModel): ModelSummary {
  return {
    params: model.countParams(),
    layers: model.layers.map((layer) => {
      const shape = layer.outputShape;
      const first = Array.isArray(shape[0]) ? (shape[0] as (number | null)[]) : (shape as (number | null)[]);
      return {
        name: layer.name,
        type: layer.getClassName(),
        outputShape: first,
        params: layer.countParams(),
      };
    }),
  };
}
