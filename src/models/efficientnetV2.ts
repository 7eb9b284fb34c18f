/**
 * EfficientNetV2-B0-shaped student (Tan & Le 2021), as timm's tf_efficientnetv2_b0 defines it: 3x3/2 stem
 * (32), a 3x3 ConvBnAct (16), FusedMBConv stages (e4, 32 x2 /2; e4, 48 x2 /2), MBConv stages with SE 0.25
 * (e4, 96 x3 /2; e6, 112 x5; e6, 192 x8 /2), 1x1 head (1280), global pool, linear classifier; SiLU
 * throughout, TF 'same' padding as the TF-ported weights use. 7,139,704 parameters and 718.1 M multiply-adds
 * at 224 px with 1000 classes (models/students.test.ts checks both against the published figures).
 * Width: the stem's channels (32 = the published size); every layer scales by width / 32 with timm's
 * rounding for this family (multiples of 8, no 10 % bump), the head included.
 * Left out, as for the other students: the classifier's dropout and stochastic depth (FKD's AdamW script
 * parses --drop-path but never passes it to the model). BatchNorm is the studio's (common.ts), not the TF
 * port's epsilon 1e-3.
 */
import { gap, logits, type BuildArgs, type Ctx, type Sym } from './common';
import { convBnAct, divisible, stages, type BlockSpec, type FamilyOptions } from './mobileBlocks';

export const EFFICIENTNETV2_STEM = 32;

const B0: BlockSpec[][] = [
  [{ type: 'cn', repeats: 1, kernel: 3, stride: 1, expand: 1, channels: 16 }],
  [{ type: 'er', repeats: 2, kernel: 3, stride: 2, expand: 4, channels: 32 }],
  [{ type: 'er', repeats: 2, kernel: 3, stride: 2, expand: 4, channels: 48 }],
  [{ type: 'ir', repeats: 3, kernel: 3, stride: 2, expand: 4, channels: 96, se: 0.25 }],
  [{ type: 'ir', repeats: 5, kernel: 3, stride: 1, expand: 6, channels: 112, se: 0.25 }],
  [{ type: 'ir', repeats: 8, kernel: 3, stride: 2, expand: 6, channels: 192, se: 0.25 }],
];

export function efficientnetV2B0(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const m = (a.width / EFFICIENTNETV2_STEM) * a.widthMultiplier;
  const f: FamilyOptions = { act: 'silu', torchPadding: false, round: (c) => divisible(c * m, 0) };
  let x = convBnAct(ctx, input, 'conv_stem', f.round(32), 3, a.smallInput ? 1 : 2, f);
  x = stages(ctx, x, B0, f, a.smallInput);
  x = convBnAct(ctx, x, 'conv_head', f.round(1280), 1, 1, f);
  return logits(ctx, gap(x), a.numClasses);
}
