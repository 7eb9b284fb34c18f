/**
 * FLOPs of a student's forward pass for one image, counted as 2 x multiply-adds of the layers that do
 * them: Conv2D, DepthwiseConv2D, Dense (on every token for rank-3 inputs) and the attention layer (qkv and
 * output projections plus the two T x T matmuls, per token group). BatchNorm, activations, pooling, adds and softmax are
 * not counted (the fvcore / ptflops convention, so the figures compare with published ones).
 * Output shapes are re-derived with each layer's computeOutputShape from the requested input size, so a
 * fully convolutional model can be costed at a size other than the one it was built at.
 */
import type * as tf from '@tensorflow/tfjs';

type Shape = (number | null)[];

function dims(s: Shape): number[] {
  return s.map((d) => d ?? 1);
}

function product(xs: number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

function kernelArea(cfg: { kernelSize?: number | number[] }): number {
  const k = cfg.kernelSize ?? 1;
  return Array.isArray(k) ? k[0] * k[1] : k * k;
}

/** FLOPs of one layer call given its (first) input and its output shape, batch dimension ignored. */
export function layerFlops(layer: tf.layers.Layer, input: Shape, output: Shape): number {
  const cfg = layer.getConfig() as {
    kernelSize?: number | number[];
    filters?: number;
    depthMultiplier?: number;
    units?: number;
  };
  const inD = dims(input);
  const outD = dims(output);
  switch (layer.getClassName()) {
    case 'Conv2D':
      return 2 * outD[1] * outD[2] * kernelArea(cfg) * inD[3] * (cfg.filters as number);
    case 'DepthwiseConv2D':
      return 2 * outD[1] * outD[2] * kernelArea(cfg) * inD[3] * (cfg.depthMultiplier ?? 1);
    case 'Dense': {
      const rows = product(inD.slice(1, -1));
      return 2 * rows * inD[inD.length - 1] * (cfg.units as number);
    }
    case 'MultiHeadSelfAttention': {
      // [N, T, D], or [N, G, T, D]: G groups of T tokens that attend only within their group.
      const [t, d] = inD.slice(-2);
      const groups = product(inD.slice(1, -2));
      return 2 * groups * (t * d * 3 * d + 2 * t * t * d + t * d * d);
    }
    default:
      return 0;
  }
}

export interface LayerCost {
  name: string;
  /** The output shape of the layer's first call. */
  outputShape: Shape;
  /** Summed over every call: a layer applied twice (SReT's shared blocks) costs twice. */
  flops: number;
}

function firstShape(o: Shape | Shape[]): Shape {
  return (Array.isArray(o[0]) ? o[0] : o) as Shape;
}

type LayerNode = tf.layers.Layer['inboundNodes'][number];

/**
 * Per-layer output shape and FLOPs at `inputSize` (default: the model's own input size), in model.layers
 * order. Walks the call graph back from the output, so every call of a shared layer is costed with its
 * own input shape. Throws when a layer cannot take that size (a ViT's fixed token count, a Flatten before
 * a Dense).
 */
export function modelFlops(model: tf.LayersModel, inputSize?: number): LayerCost[] {
  const built = model.inputs[0].shape;
  const size = inputSize ?? (built[1] as number);
  const rebuilt = size !== built[1];
  const shapes = new Map<LayerNode, Shape>();
  const flops = new Map<string, number>();

  const visit = (node: LayerNode): Shape => {
    const known = shapes.get(node);
    if (known) return known;
    const layer = node.outboundLayer;
    const inbound = node.inboundLayers.map((l, i) => visit(l.inboundNodes[node.nodeIndices[i]]));
    let s: Shape;
    if (layer.getClassName() === 'InputLayer') {
      s = [null, size, size, built[3]];
    } else if (!rebuilt) {
      s = firstShape(node.outputShapes);
    } else {
      try {
        s = firstShape(layer.computeOutputShape(inbound.length === 1 ? inbound[0] : inbound) as Shape);
      } catch (e) {
        throw new Error(`flops: ${layer.name} cannot take a ${size} px input: ${String(e)}`, { cause: e });
      }
      const kernel = layer.getClassName() === 'Dense' ? layer.weights[0]?.shape[0] : undefined;
      const fed = inbound[0][inbound[0].length - 1];
      if (kernel != null && fed !== kernel) {
        throw new Error(`flops: ${layer.name} expects ${kernel} features, a ${size} px input gives ${fed}`);
      }
    }
    shapes.set(node, s);
    const cost = inbound.length ? layerFlops(layer, inbound[0], s) : 0;
    flops.set(layer.name, (flops.get(layer.name) ?? 0) + cost);
    return s;
  };
  for (const out of model.outputs) visit(out.sourceLayer.inboundNodes[out.nodeIndex]);

  return model.layers.map((layer) => {
    const first = layer.inboundNodes.find((n) => shapes.has(n));
    if (!first) throw new Error(`flops: ${layer.name} is not on the path to the output`);
    return { name: layer.name, outputShape: shapes.get(first) as Shape, flops: flops.get(layer.name) ?? 0 };
  });
}
