/**
 * The files an FKD export carries beside train/: fkd_studio.json (what the tree holds, class order),
 * README.md and train_fkd.sh (the exact FKD launch commands for one node and for N nodes). Facts from
 * docs/fkd-files.md (Launching FKD's trainer): -b counts crops per step on each node, lr 0.1 for 1024 crops (SGD
 * recipe), --num_crops no larger than the crops stored, one launch per node, torch.load weights_only.
 */
import type { FkdPrecision } from './fkdFile';

export interface FkdExportInfo {
  classes: readonly { index: number; folder: string; name: string }[];
  numClasses: number;
  /** Crops stored per image (the smallest over the exported files). */
  numCrops: number;
  /** FKD's --soft_label_type for these files. */
  labelType: string;
  precision: FkdPrecision;
  labelSetName?: string;
  images?: number;
  /** Notes on anything rounded on the way out (shown in the README). */
  notes?: readonly string[];
}

export function fkdExportManifest(info: FkdExportInfo): string {
  return `${JSON.stringify({ format: 'fkd-soft-labels', exportedBy: 'FKD Studio', ...info }, null, 1)}\n`;
}

/** FKD's trainer recognises these names; other k work with python/fkd_studio but not train_FKD.py. */
export function fkdTrainerAccepts(labelType: string): boolean {
  return [
    'hard',
    'smoothing',
    'marginal_smoothing_k5',
    'marginal_smoothing_k10',
    'marginal_renorm',
    'ori',
  ].includes(labelType);
}

export function fkdLaunchScript(info: FkdExportInfo): string {
  const crops = Math.min(4, info.numCrops);
  return `#!/usr/bin/env bash
# Launch FKD's train_FKD.py (github.com/szq0214/FKD) on these labels: one launch per node.
#   1 node:   ./train_fkd.sh /path/to/imagenet
#   N nodes:  NODES=N RANK=<this node, 0..N-1> MASTER=<node 0 host> ./train_fkd.sh /path/to/imagenet
# -b is crops per step on each node; keep lr = 0.1 x (NODES x B) / 1024 for the SGD recipe.
set -euo pipefail
DATA=\${1:?usage: train_fkd.sh /path/to/imagenet (the folder with train/ and val/)}
LABELS=\${LABELS:-"$(cd "$(dirname "$0")" && pwd)"}
NODES=\${NODES:-1}
RANK=\${RANK:-0}
MASTER=\${MASTER:-127.0.0.1}
PORT=\${PORT:-23456}
NUM_CROPS=\${NUM_CROPS:-${crops}}   # at most ${info.numCrops}, the crops stored per image
B=\${B:-1024}
LR=\${LR:-$(python3 -c "print(0.1 * $NODES * $B / 1024)")}
if [ "$NUM_CROPS" -gt ${info.numCrops} ]; then echo "NUM_CROPS must be <= ${info.numCrops}" >&2; exit 1; fi
# torch >= 2.6 loads with weights_only=True, which refuses the pickled NumPy arrays in these files.
export TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1
python3 train_FKD.py --arch resnet50 --data "$DATA" --softlabel_path "$LABELS" \\
  --soft_label_type ${info.labelType} --num_crops "$NUM_CROPS" -b "$B" --lr "$LR" --cos \\
  --epochs 300 --temp 1.0 --workers 32 \\
  --dist-url "tcp://$MASTER:$PORT" --dist-backend nccl --multiprocessing-distributed \\
  --world-size "$NODES" --rank "$RANK"
`;
}

export function fkdExportReadme(info: FkdExportInfo): string {
  const lines = [
    `# FKD soft labels${info.labelSetName ? `: ${info.labelSetName}` : ''}`,
    '',
    `Exported by FKD Studio in the layout of FKD's own generator: one \`torch.save\` file per training image at`,
    '`train/<class folder>/<image stem>.tar` holding the list `[coords (N, 4), flip (N,), label]` of NumPy',
    `arrays. ${info.images ?? 'Every'} image(s), ${info.numCrops} crops each, ${info.numClasses} classes,`,
    `\`--soft_label_type ${info.labelType}\`, ${info.precision === 'f32' ? 'float32' : 'float16'}.`,
    '',
    '## Train with FKD (`train_FKD.py`)',
    '',
    'One node (all its GPUs, one process each):',
    '',
    '```sh',
    `python3 train_FKD.py --arch resnet50 --data /path/to/imagenet --softlabel_path ${'$'}PWD \\`,
    `  --soft_label_type ${info.labelType} --num_crops ${Math.min(4, info.numCrops)} -b 1024 --lr 0.1 --cos --epochs 300 \\`,
    '  --dist-url tcp://127.0.0.1:23456 --dist-backend nccl --multiprocessing-distributed --world-size 1 --rank 0',
    '```',
    '',
    'N nodes: run the same command on every node with `--world-size <N> --rank <this node, 0..N-1>` and',
    '`--dist-url tcp://<node 0>:<port>` (always set it; the default is a placeholder). `train_fkd.sh` does this:',
    '`NODES=2 RANK=1 MASTER=node0 ./train_fkd.sh /path/to/imagenet`.',
    '',
    '- `-b` is crops per step on each node; FKD divides it by `--num_crops` (images) and then by the',
    '  GPU count. The SGD recipe uses lr 0.1 for 1024 crops: scale lr with the global batch (nodes x b).',
    `- \`--num_crops\` must not exceed ${info.numCrops}, the crops stored per image. Each load draws a fresh`,
    '  random subset of the stored crops.',
    '- The scripts use `--multiprocessing-distributed` (mp.spawn), not `torchrun`: one launch per node.',
    '',
    '## torch versions',
    '',
    '- torch >= 2.6 defaults `torch.load` to `weights_only=True`, which refuses pickled NumPy arrays. FKD',
    '  calls `torch.load(path)`: set `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1` (train_fkd.sh does) or pass',
    '  `weights_only=False` there. Only do this for files you trust.',
    "- float16 labels make FKD's label recovery `scatter_` half values into a float32 tensor, which",
    '  current torch refuses: export float32 unless you patch that line.',
    "- FKD's trainer names the renormalised top-k type `marginal_renorm` (its generator says",
    "  `marginal_renorm_k5`, which the trainer silently ignores); this export uses the trainer's name.",
  ];
  if (!fkdTrainerAccepts(info.labelType)) {
    lines.push(
      `- \`${info.labelType}\` is not one of the names train_FKD.py recognises (marginal_smoothing_k5 / _k10);`,
      "  the reader in FKD Studio's python/fkd_studio handles any k.",
    );
  }
  if (info.notes?.length) lines.push('', '## Rounding', '', ...info.notes.map((n) => `- ${n}`));
  lines.push(
    '',
    '## Python without FKD',
    '',
    "FKD Studio's `python/fkd_studio` reads this tree (`FKDLabelDataset`, `recover_soft_label`) and runs a",
    'DistributedDataParallel smoke test: `python3 -m fkd_studio.ddp_smoke --labels . --images /path/to/images`.',
    'Class indices follow `fkd_studio.json` (`classes`), which is the order the labels were made in.',
    '',
  );
  return lines.join('\n');
}
