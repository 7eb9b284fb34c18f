/**
 * FBNet-C-shaped student (Wu et al. 2019, "FBNet-C" at width 1.00), as timm's fbnetc_100 defines it: 3x3/2
 * stem (16), MBConv blocks (1x1 expand, k x k depthwise, 1x1 linear project, ReLU, no SE) with the searched
 * expansions and kernels below, 1x1 head (1984), global pool, linear classifier; PyTorch padding. The
 * search space's 22 slots hold 21 blocks: the one "skip" slot (in the 24-channel stage) is an identity and
 * has no layer. 5,572,200 parameters and 385.0 M multiply-adds at 224 px with 1000 classes (checked in
 * models/students.test.ts against the published figures, with the paper's 375 M discussed in docs/fkd.md).
 * Width: the stem's channels (16 = FBNet-C 1.00); blocks scale by width / 16 with timm's rounding
 * (multiples of 8, bumped when rounding lost over 10 %); the 1984-channel head is fixed, as timm's.
 */
import { gap, logits, type BuildArgs, type Ctx, type Sym } from './common';
import { convBnAct, divisible, stages, type BlockSpec, type FamilyOptions } from './mobileBlocks';

export const FBNET_STEM = 16;

const ir = (expand: number, kernel: number, stride: number, channels: number, repeats = 1): BlockSpec => ({
  type: 'ir',
  repeats,
  kernel,
  stride,
  expand,
  channels,
});

/** (expansion, kernel, stride, channels[, repeats]) per block, stage by stage. */
const C100: BlockSpec[][] = [
  [ir(1, 3, 1, 16)],
  [ir(6, 3, 2, 24), ir(1, 3, 1, 24, 2)],
  [ir(6, 5, 2, 32), ir(3, 5, 1, 32), ir(6, 5, 1, 32), ir(6, 3, 1, 32)],
  [ir(6, 5, 2, 64), ir(3, 5, 1, 64), ir(6, 5, 1, 64, 2)],
  [ir(6, 5, 1, 112, 3), ir(3, 5, 1, 112)],
  [ir(6, 5, 2, 184, 4)],
  [ir(6, 3, 1, 352)],
];

export function fbnetC100(ctx: Ctx, input: Sym, a: BuildArgs): Sym {
  const m = (a.width / FBNET_STEM) * a.widthMultiplier;
  const f: FamilyOptions = { act: 'relu', torchPadding: true, round: (c) => divisible(c * m) };
  let x = convBnAct(ctx, input, 'conv_stem', f.round(16), 3, a.smallInput ? 1 : 2, f);
  x = stages(ctx, x, C100, f, a.smallInput);
  x = convBnAct(ctx, x, 'conv_head', 1984, 1, 1, f);
  return logits(ctx, gap(x), a.numClasses);
}
