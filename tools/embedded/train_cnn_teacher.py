"""Trains the embedded default FKD teacher, a small CNN, on the full Fashion-MNIST train set (60k)
with PyTorch on the CPU, and writes its float32 weights (tfjs layouts) for
tools/embedded/convertCnnTeacher.ts, which builds the tfjs Layers model, checks it against the
logits printed here and ships it to public/models/fashion-cnn-teacher/.

    /usr/bin/python3 tools/embedded/train_cnn_teacher.py [--epochs 12] [--out DIR] [--max-steps N]

Why torch: tfjs in Node has no fast conv training here (the wasm backend lacks the conv weight
gradient, the cpu backend is ~100x slower), and a conv teacher is what FKD assumes: a teacher that
is better than, and costs far more than, the students it labels for.

The teacher labels random-resized crops, so it is trained on them: RandomResizedCrop, scale
[0.35, 1], ratio [3/4, 4/3], horizontal flip p = 0.5, bilinear back to 28x28, pixels in [0, 1];
a quarter of the samples are the whole image (as for the dense teacher, see README.md).

Model (names = the tfjs layer names): conv1 3x3x32, bn1, relu, conv2 3x3x32, bn2, relu, maxpool 2,
conv3 3x3x64, bn3, relu, conv4 3x3x64, bn4, relu, maxpool 2, conv5 3x3x128, bn5, relu, global
average pool, logits (dense 10). 'same' padding, no conv bias (BN follows), BN eps 1e-5.
"""

import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20221128
SIZE = 28
SCALE = (0.35, 1.0)
RATIO = (3 / 4, 4 / 3)
FULL_P = 0.25
DATA = "/usr/share/datasets/fashion-mnist"


def load(split):
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(f"{DATA}/{prefix}-images-idx3-ubyte.gz") as f:
        _, n, h, w = struct.unpack(">IIII", f.read(16))
        x = np.frombuffer(f.read(), dtype=np.uint8).reshape(n, 1, h, w)
    with gzip.open(f"{DATA}/{prefix}-labels-idx1-ubyte.gz") as f:
        f.read(8)
        y = np.frombuffer(f.read(), dtype=np.uint8)
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y.astype(np.int64))


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, eps=1e-5))


WIDTHS = (32, 32, 64, 64, 128)


class Teacher(nn.Module):
    def __init__(self, widths=WIDTHS):
        super().__init__()
        w1, w2, w3, w4, w5 = widths
        self.widths = widths
        self.c1, self.c2 = conv_bn(1, w1), conv_bn(w1, w2)
        self.c3, self.c4 = conv_bn(w2, w3), conv_bn(w3, w4)
        self.c5 = conv_bn(w4, w5)
        self.fc = nn.Linear(w5, 10)

    def forward(self, x):
        x = F.relu(self.c1(x))
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.relu(self.c3(x))
        x = F.max_pool2d(F.relu(self.c4(x)), 2)
        x = F.relu(self.c5(x))
        return self.fc(x.mean(dim=(2, 3)))


def random_resized_crop(x, gen):
    """Batched RandomResizedCrop + flip via affine grids (torchvision's sampler, 10 tries, then the
    whole image); a FULL_P share of the batch is the whole image (flip still applies)."""
    n = x.shape[0]
    area = SIZE * SIZE
    tries = 10
    s = torch.empty(n, tries).uniform_(*SCALE, generator=gen) * area
    logr = torch.empty(n, tries).uniform_(math.log(RATIO[0]), math.log(RATIO[1]), generator=gen)
    r = torch.exp(logr)
    w = torch.round(torch.sqrt(s * r))
    h = torch.round(torch.sqrt(s / r))
    ok = (w <= SIZE) & (h <= SIZE) & (w > 0) & (h > 0)
    first = torch.where(ok.any(1), ok.float().argmax(1), torch.full((n,), -1))
    idx = first.clamp(min=0)
    w = torch.where(first >= 0, w[torch.arange(n), idx], torch.full((n,), float(SIZE)))
    h = torch.where(first >= 0, h[torch.arange(n), idx], torch.full((n,), float(SIZE)))
    full = torch.rand(n, generator=gen) < FULL_P
    w = torch.where(full, torch.full_like(w, SIZE), w)
    h = torch.where(full, torch.full_like(h, SIZE), h)
    x0 = torch.floor(torch.rand(n, generator=gen) * (SIZE - w + 1))
    y0 = torch.floor(torch.rand(n, generator=gen) * (SIZE - h + 1))
    flip = torch.rand(n, generator=gen) < 0.5
    sx = (w / SIZE) * torch.where(flip, -1.0, 1.0)
    sy = h / SIZE
    cx = (x0 + w / 2) / SIZE * 2 - 1
    cy = (y0 + h / 2) / SIZE * 2 - 1
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = sx, cx
    theta[:, 1, 1], theta[:, 1, 2] = sy, cy
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def evaluate(model, x, y):
    model.eval()
    c1 = c5 = 0
    with torch.no_grad():
        for i in range(0, len(x), 250):
            logits = model(x[i : i + 250])
            top5 = logits.topk(5, 1).indices
            hit = top5 == y[i : i + 250, None]
            c1 += hit[:, 0].sum().item()
            c5 += hit.any(1).sum().item()
    return c1 / len(x), c5 / len(x)


def tfjs_weights(model):
    """(name, shape, float32 array) in the tfjs Layers weight order and layout."""
    out = []
    for i, block in enumerate([model.c1, model.c2, model.c3, model.c4, model.c5], start=1):
        conv, bn = block[0], block[1]
        k = conv.weight.detach().permute(2, 3, 1, 0).contiguous()  # [out,in,kh,kw] -> [kh,kw,in,out]
        out.append((f"conv{i}/kernel", list(k.shape), k.numpy()))
        out.append((f"bn{i}/gamma", [bn.num_features], bn.weight.detach().numpy()))
        out.append((f"bn{i}/beta", [bn.num_features], bn.bias.detach().numpy()))
        out.append((f"bn{i}/moving_mean", [bn.num_features], bn.running_mean.numpy()))
        out.append((f"bn{i}/moving_variance", [bn.num_features], bn.running_var.numpy()))
    out.append(("logits/kernel", [model.fc.in_features, 10], model.fc.weight.detach().t().contiguous().numpy()))
    out.append(("logits/bias", [10], model.fc.bias.detach().numpy()))
    return out


def main():
    global SCALE
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--out", default="node_modules/.cache/fkd-cnn-teacher")
    ap.add_argument("--scale-lo", type=float, default=SCALE[0])
    ap.add_argument("--widths", default=",".join(str(w) for w in WIDTHS))
    args = ap.parse_args()
    SCALE = (args.scale_lo, 1.0)
    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    gen = torch.Generator().manual_seed(SEED)
    xtr, ytr = load("train")
    xte, yte = load("test")
    model = Teacher(tuple(int(w) for w in args.widths.split(",")))
    steps_per_epoch = len(xtr) // args.batch
    total = args.epochs * steps_per_epoch
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=total, pct_start=0.15)
    t0 = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        te = time.time()
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch : (b + 1) * args.batch]
            xb = random_resized_crop(xtr[idx], gen)
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item()
            step += 1
            if args.max_steps and step >= args.max_steps:
                break
        top1, top5 = evaluate(model, xte, yte)
        print(
            f"epoch {epoch + 1}/{args.epochs} loss {loss_sum / (b + 1):.4f} test top1 {top1:.4f} "
            f"top5 {top5:.4f} {time.time() - te:.1f}s",
            flush=True,
        )
        if args.max_steps and step >= args.max_steps:
            break
    seconds = time.time() - t0
    top1, top5 = evaluate(model, xte, yte)
    os.makedirs(args.out, exist_ok=True)
    specs, blobs = [], []
    for name, shape, arr in tfjs_weights(model):
        specs.append({"name": name, "shape": shape})
        blobs.append(np.ascontiguousarray(arr, dtype="<f4").tobytes())
    with open(os.path.join(args.out, "weights.bin"), "wb") as f:
        f.write(b"".join(blobs))
    # Reference logits on the first 8 test images: the tfjs conversion must reproduce them.
    model.eval()
    with torch.no_grad():
        ref = model(xte[:8]).numpy().tolist()
    meta = {
        "widths": list(model.widths),
        "weights": specs,
        "testTop1": top1,
        "testTop5": top5,
        "epochs": args.epochs,
        "scale": list(SCALE),
        "batchSize": args.batch,
        "optimizer": "SGD momentum 0.9 Nesterov, weight decay 5e-4, one-cycle lr max 0.1",
        "seed": SEED,
        "seconds": round(seconds),
        "torch": torch.__version__,
        "referenceLogits": ref,
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"top1 {top1:.4f} top5 {top5:.4f} in {seconds:.0f}s -> {args.out}")


if __name__ == "__main__":
    main()
