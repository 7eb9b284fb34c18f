#!/usr/bin/python3
"""Reference fixtures for src/core part A (cropBox, schedule, mixing).

Run with Debian's python (torch 1.13 + torchvision 0.14):
    /usr/bin/python3 tools/reference/gen_core_a.py

Writes src/core/__fixtures__/{crop_rrc,crop_eval,schedule_*,mixing_cutmix}.json.

* crop_rrc.json: torchvision's own RandomResizedCrop.get_params, run under torch.manual_seed, with every
  random draw it makes recorded (through a proxy for the `torch` name inside torchvision's module). For
  each uniform_ draw we also record the raw 32-bit mt19937 word behind it (numpy's legacy RandomState with
  the same integer seed is the same generator, checked below), so the TS test can feed the exact
  underlying uniform u = (word & 0xFFFFFF) / 2^24 and must reproduce torch's float32 value and the box.
* crop_eval.json: Resize(short) + CenterCrop(size) geometry measured through torchvision itself.
* schedule_*.json: a literal transcription of the FKD training loops (docs/fkd.md, Passes, epochs
  and the learning rate) and of timm's CosineLRScheduler._get_lr (timm is not installed here, so it
  is transcribed).
* mixing_cutmix.json: the FKD/timm rand_bbox maths (np.int replaced by int, which is what it meant).
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.transforms as TT
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'core', '__fixtures__')


def dump(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=None, separators=(',', ':'))
        f.write('\n')
    print('wrote', os.path.normpath(path), file=sys.stderr)


# ----------------------------------------------------------------------------------------------------
# RandomResizedCrop.get_params with recorded draws


class _Recorder:
    """Stands in for the `torch` module inside torchvision.transforms.transforms and logs draws."""

    def __init__(self, real):
        self._real = real
        self.events = []

    def __getattr__(self, name):
        return getattr(self._real, name)

    def empty(self, *args, **kwargs):
        rec = self

        class _Empty:
            def uniform_(self, lo, hi):
                t = rec._real.empty(*args, **kwargs).uniform_(lo, hi)
                rec.events.append({'op': 'uniform', 'value': t.item()})
                return t

        return _Empty()

    def exp(self, t):
        r = self._real.exp(t)
        self.events.append({'op': 'exp', 'value': r.item()})
        return r

    def randint(self, lo, hi, size):
        r = self._real.randint(lo, hi, size=size)
        self.events.append({'op': 'randint', 'lo': int(lo), 'hi': int(hi), 'value': r.item()})
        return r


def float32_uniform(word, lo, hi):
    """torch CPU uniform_ for float32: 24 random bits, then x*(to-from)+from rounded once to float32."""
    lo32, hi32 = np.float32(lo), np.float32(hi)
    x = float(int(word) & 0xFFFFFF) * 2.0**-24
    return float(np.float32(x * float(np.float32(hi32 - lo32)) + float(lo32)))


def gen_rrc():
    rec = _Recorder(torch)
    TT.torch = rec
    shapes = [(224, 224), (500, 375), (375, 500), (2000, 100), (100, 2000), (1, 1), (28, 28), (33, 17)]
    scales = [(0.08, 1.0), (0.08, 0.936), (0.25, 1.0), (0.9, 1.0)]
    ratios = [(3 / 4, 4 / 3), (0.5, 2.0)]
    # (W, H, scale, ratio): the shape x scale x ratio grid, plus boxes whose side is exactly k + 0.5
    # pixels (64x64, aspect 1, area (k + 0.5)^2 is a float32), where Python's banker's round() decides.
    grid = [(W, H, s, r) for (W, H) in shapes for s in scales for r in ratios]
    grid += [(64, 64, (a / 16384, a / 16384), (1.0, 1.0)) for a in (25, 625, 729, 1225)]
    cases = []
    try:
        for (W, H, scale, ratio) in grid:
            for seed in range(4):
                torch.manual_seed(seed)
                mirror = np.random.RandomState(seed)  # legacy seeding == torch's mt19937 seeding
                rec.events = []
                img = torch.zeros(3, H, W)
                i, j, h, w = T.RandomResizedCrop.get_params(img, list(scale), list(ratio))
                log_ratio = torch.log(torch.tensor(ratio))
                draws = []
                n_uniform = 0
                for ev in rec.events:
                    if ev['op'] == 'exp':
                        draws[-1]['aspect'] = ev['value']
                        continue
                    word = int(mirror.randint(0, 2**32, dtype=np.uint32))
                    if ev['op'] == 'uniform':
                        lo, hi = (scale if n_uniform % 2 == 0 else (log_ratio[0].item(), log_ratio[1].item()))
                        assert float32_uniform(word, lo, hi) == ev['value'], (ev, word)
                        draws.append({'op': 'uniform', 'word': word, 'value': ev['value']})
                        n_uniform += 1
                    else:
                        assert word % (ev['hi'] - ev['lo']) + ev['lo'] == ev['value'], (ev, word)
                        draws.append({'op': 'randint', 'lo': ev['lo'], 'hi': ev['hi'], 'value': ev['value']})
                cases.append({
                    'W': W, 'H': H, 'scale': list(scale), 'ratio': list(ratio), 'seed': seed,
                    'draws': draws, 'box': {'top': i, 'left': j, 'height': h, 'width': w},
                    'fallback': not any(d['op'] == 'randint' for d in draws),
                })
    finally:
        TT.torch = torch
    assert any(c['fallback'] for c in cases) and not all(c['fallback'] for c in cases)
    dump('crop_rrc.json', {'source': 'torchvision %s RandomResizedCrop.get_params' % __import__('torchvision').__version__,
                           'cases': cases})


# ----------------------------------------------------------------------------------------------------
# Eval geometry: Resize(short) then CenterCrop(size), measured through torchvision


def gen_eval():
    shapes = [(224, 224), (500, 375), (375, 500), (2000, 100), (100, 2000), (1, 1), (28, 28), (33, 17),
              (481, 480), (640, 427), (300, 257), (256, 256)]
    configs = [(224, 256 / 224), (28, 32 / 28), (32, 1.0), (24, 1.25)]
    cases = []
    for (W, H) in shapes:
        for (size, resize_ratio) in configs:
            short = int(round(size * resize_ratio))
            resized = T.Resize(short)(Image.new('RGB', (W, H)))
            nW, nH = resized.size
            # The crop's top-left pixel of a coordinate-valued image tells us torchvision's offsets.
            coords = torch.arange(nH * nW, dtype=torch.float64).reshape(1, nH, nW)
            crop = T.CenterCrop(size)(coords)
            v = int(crop[0, 0, 0].item())
            cases.append({'W': W, 'H': H, 'size': size, 'resizeRatio': resize_ratio, 'resizedW': nW,
                          'resizedH': nH, 'top': v // nW, 'left': v % nW})
    dump('crop_eval.json', {'cases': cases})


# ----------------------------------------------------------------------------------------------------
# Schedules: literal transcription of the reference loops


def adjust_lr_sgd(cfg, epoch):
    """train_FKD.py adjust_learning_rate: cosine on the pass's start epoch, or x gamma at milestones."""
    if cfg['kind'] == 'cosine':
        return cfg['lr'] * 0.5 * (1.0 + math.cos(math.pi * epoch / cfg['epochs']))
    if cfg['kind'] == 'step':
        lr = cfg['lr']
        for m in cfg['stepMilestones']:
            lr *= cfg['stepGamma'] if epoch >= m else 1.0
        return lr
    return cfg['lr']


def timm_cosine(cfg, t):
    """timm CosineLRScheduler._get_lr (cycle_mul 1, cycle_limit 1, decay_rate unused, warmup_prefix False)."""
    warmup_t = cfg['warmupEpochs']
    warmup_lr_init = cfg['warmupStartLr']
    base = cfg['lr']
    lr_min = cfg['minLr']
    t_initial = cfg['epochs']
    if t < warmup_t:
        return warmup_lr_init + t * ((base - warmup_lr_init) / warmup_t)
    i = t // t_initial
    t_curr = t - t_initial * i
    if i < 1:
        return lr_min + 0.5 * (base - lr_min) * (1 + math.cos(math.pi * t_curr / t_initial))
    return lr_min


def passes_sgd(cfg):
    nc, b, n = cfg['numCrops'], cfg['cropsPerStep'], cfg['numImages']
    images_multi = int(math.ceil(b / nc))
    out = []

    def add(epoch, crops, images):
        out.append({'index': len(out), 'epoch': epoch, 'cropsPerImage': crops, 'imagesPerStep': images,
                    'steps': int(math.ceil(n / images)), 'lr': adjust_lr_sgd(cfg, epoch)})

    for epoch in range(0, cfg['epochs'], nc):
        if epoch >= cfg['epochs'] - nc:
            for e in range(epoch, cfg['epochs']):
                add(e, 1, images_multi * nc)
            break
        add(epoch, nc, images_multi)
    return out


def passes_adamw(cfg):
    nc, b, n = cfg['numCrops'], cfg['cropsPerStep'], cfg['numImages']
    images_multi = int(math.ceil(b / nc))
    warm = cfg['adamwSingleCropWarmupEpochs']
    out = []

    def add(epoch, crops, images):
        out.append({'index': len(out), 'epoch': epoch, 'cropsPerImage': crops, 'imagesPerStep': images,
                    'steps': int(math.ceil(n / images)), 'lr': timm_cosine(cfg, epoch)})

    for e in range(0, warm):
        add(e, 1, images_multi * nc)
    for epoch in range(warm, cfg['epochs'], nc):
        if epoch >= cfg['epochs'] - nc:
            for e in range(epoch, cfg['epochs']):
                add(e, 1, images_multi * nc)
            break
        add(epoch, nc, images_multi)
    return out


def gen_schedules():
    N = 1281167
    sgd300 = {'epochs': 300, 'numCrops': 4, 'lr': 0.1, 'kind': 'cosine', 'variant': 'sgd', 'numImages': N,
              'cropsPerStep': 1024}
    p = passes_sgd(sgd300)
    assert sum(1 for x in p if x['cropsPerImage'] == 4) == 74 and p[73]['epoch'] == 292 and p[74]['epoch'] == 296
    dump('schedule_sgd300.json', {'config': sgd300, 'passes': p})

    adamw300 = {'epochs': 300, 'numCrops': 4, 'lr': 0.002, 'kind': 'cosine', 'variant': 'adamw', 'numImages': N,
                'cropsPerStep': 1024, 'minLr': 1e-5, 'warmupEpochs': 5, 'warmupStartLr': 1e-5,
                'adamwSingleCropWarmupEpochs': 5}
    p = passes_adamw(adamw300)
    assert sum(1 for x in p if x['cropsPerImage'] == 4) == 73 and p[-4]['epoch'] == 293 and p[-3]['epoch'] == 297
    dump('schedule_adamw300.json', {'config': adamw300, 'passes': p})

    small = [
        {'epochs': 10, 'numCrops': 2, 'lr': 0.1, 'kind': 'cosine', 'variant': 'sgd', 'numImages': 2000,
         'cropsPerStep': 64},
        # epochs not a multiple of numCrops, odd batch: the literal loop decides where single-crop starts
        {'epochs': 10, 'numCrops': 4, 'lr': 0.05, 'kind': 'step', 'stepMilestones': [4, 8], 'stepGamma': 0.1,
         'variant': 'sgd', 'numImages': 1000, 'cropsPerStep': 100},
        {'epochs': 10, 'numCrops': 3, 'lr': 0.1, 'kind': 'constant', 'variant': 'sgd', 'numImages': 999,
         'cropsPerStep': 32},
        {'epochs': 3, 'numCrops': 4, 'lr': 0.1, 'kind': 'cosine', 'variant': 'sgd', 'numImages': 10,
         'cropsPerStep': 8},
        {'epochs': 12, 'numCrops': 3, 'lr': 0.001, 'kind': 'cosine', 'variant': 'adamw', 'numImages': 500,
         'cropsPerStep': 48, 'minLr': 1e-6, 'warmupEpochs': 2, 'warmupStartLr': 1e-6,
         'adamwSingleCropWarmupEpochs': 2},
    ]
    dump('schedule_small.json', {'cases': [
        {'config': c, 'passes': passes_sgd(c) if c['variant'] == 'sgd' else passes_adamw(c)} for c in small]})


# ----------------------------------------------------------------------------------------------------
# CutMix box maths (FKD utils_FKD.rand_bbox, with int() for the removed np.int)


def rand_bbox(size, lam, cx, cy):
    W = size[2]
    H = size[3]
    cut_rat = np.sqrt(1.0 - lam)
    cut_w = int(W * cut_rat)
    cut_h = int(H * cut_rat)
    bbx1 = int(np.clip(cx - cut_w // 2, 0, W))
    bby1 = int(np.clip(cy - cut_h // 2, 0, H))
    bbx2 = int(np.clip(cx + cut_w // 2, 0, W))
    bby2 = int(np.clip(cy + cut_h // 2, 0, H))
    return bbx1, bby1, bbx2, bby2


def gen_mixing():
    rs = np.random.RandomState(0)
    cases = []
    sizes = [224, 32, 28, 7, 1]
    lams = [0.0, 1.0, 0.5, 0.75, 0.25, 0.999, 1e-6, 0.19]
    for size in sizes:
        for lam in lams + [float(rs.beta(1.0, 1.0)) for _ in range(6)]:
            for (cx, cy) in [(0, 0), (size - 1, size - 1), (size // 2, size // 3)] + [
                    (int(rs.randint(size)), int(rs.randint(size))) for _ in range(3)]:
                x1, y1, x2, y2 = rand_bbox((8, 3, size, size), lam, cx, cy)
                new_lam = 1 - ((x2 - x1) * (y2 - y1) / (size * size))
                # dim 2 (rows) is indexed by bbx, dim 3 (columns) by bby in the reference paste
                cases.append({'size': size, 'lambda': lam, 'cx': cx, 'cy': cy,
                              'bbx1': x1, 'bby1': y1, 'bbx2': x2, 'bby2': y2, 'lambdaAfter': new_lam})
    dump('mixing_cutmix.json', {'cases': cases})


if __name__ == '__main__':
    gen_rrc()
    gen_eval()
    gen_schedules()
    gen_mixing()
