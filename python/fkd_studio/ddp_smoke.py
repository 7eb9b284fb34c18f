"""DistributedDataParallel smoke run over an exported FKD label tree: the proof that a label set from the
studio drives an unmodified PyTorch distributed engine. torch.multiprocessing starts `world` processes
on the CPU (gloo, MASTER_ADDR 127.0.0.1); each trains a tiny CNN for a few FKD steps on its own
DistributedSampler shard; the run reports which images each rank saw and the loss per step.
On a cluster the same code runs with NCCL, one process per GPU.

  /usr/bin/python3 -m fkd_studio.ddp_smoke --labels <tree> --images public/datasets/fashion-mnist
"""

import argparse
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from .labels import FKDLabelDataset, collate_crop_major, soft_cross_entropy


def samples_with_labels(image_root, label_root):
    """(image path, class index) for every train image that has a label file. Class indices follow the
    label set's order (fkd_studio.json in the export), not the sorted folder names."""
    with open(os.path.join(label_root, 'fkd_studio.json')) as fh:
        classes = json.load(fh)['classes']
    train = os.path.join(image_root, 'train')
    out = []
    for c in classes:
        for name in sorted(os.listdir(os.path.join(train, c['folder']))):
            if os.path.exists(os.path.join(label_root, 'train', c['folder'], name.split('.')[0] + '.tar')):
                out.append((os.path.join(train, c['folder'], name), c['index']))
    return out, len(classes)


def tiny_cnn(num_classes):
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(32, num_classes))


def worker(rank, world, port, args, result_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    torch.manual_seed(args.seed)  # same initial weights on every rank (DDP also broadcasts them)
    samples, num_classes = samples_with_labels(args.images, args.labels)
    ds = FKDLabelDataset(samples, args.labels, args.label_type, num_classes, args.num_crops, 28,
                         seed=args.seed + rank, grayscale=True)
    sampler = torch.utils.data.distributed.DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True,
                                                              seed=args.seed)
    # -b is crops per step over all ranks, as in FKD: images per rank = b / num_crops / world.
    per_rank = max(1, args.batch // args.num_crops // world)
    loader = torch.utils.data.DataLoader(ds, batch_size=per_rank, sampler=sampler, collate_fn=collate_crop_major)
    model = nn.parallel.DistributedDataParallel(tiny_cnn(num_classes))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    seen, losses, step, shard = [], [], 0, None
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        shard = shard if shard is not None else list(iter(sampler))  # this rank's images in epoch 0
        for x, _hard, soft, _chosen, index in loader:
            loss = soft_cross_entropy(model(x), soft)
            opt.zero_grad()
            loss.backward()
            opt.step()
            mean = loss.detach().clone()
            dist.all_reduce(mean)
            losses.append(mean.item() / world)
            if epoch == 0:
                seen.extend(index.tolist())
            step += 1
            if step >= args.steps:
                break
        if step >= args.steps:
            break
    with open(os.path.join(result_dir, f'rank{rank}.json'), 'w') as fh:
        json.dump({'rank': rank, 'seen': seen, 'losses': losses, 'shard': shard,
                   'per_rank_images': per_rank}, fh)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(args, result_dir):
    mp.spawn(worker, args=(args.world, free_port(), args, result_dir), nprocs=args.world, join=True)
    return [json.load(open(os.path.join(result_dir, f'rank{r}.json'))) for r in range(args.world)]


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--labels', required=True, help='the exported tree (the folder that holds train/)')
    p.add_argument('--images', required=True, help='the image folder (ImageFolder layout with train/)')
    p.add_argument('--label-type', default='marginal_smoothing_k5')
    p.add_argument('--num-crops', type=int, default=2)
    p.add_argument('--batch', type=int, default=64, help='crops per step over all ranks (FKD -b)')
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--world', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    return p


if __name__ == '__main__':
    import tempfile
    a = parser().parse_args()
    with tempfile.TemporaryDirectory() as d:
        results = run(a, d)
    for r in results:
        print(f"rank {r['rank']}: {len(r['seen'])} images in its first epoch, loss "
              f"{r['losses'][0]:.3f} -> {r['losses'][-1]:.3f}", file=sys.stderr)
