"""FKD's per-image label files and its loader (fkd-reference 1.4, 1.5, 2.1), written for this repository.

A label file is torch.save([coords (N, 4), flip (N,), label]) of NumPy arrays; coords are
(top/H, left/W, h/H, w/W). Each load draws a fresh permutation of the N stored crops and keeps the
first num_crops, decodes the image once, crops each box, resizes, flips by the stored bit.
"""

import os
import random

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from PIL import Image

# Every --soft_label_type FKD's scripts use; MR under both names (its generator says marginal_renorm_k5,
# its trainer only knows marginal_renorm: here both work).
LABEL_TYPES = ('hard', 'smoothing', 'marginal_smoothing_k5', 'marginal_smoothing_k10', 'marginal_renorm',
               'marginal_renorm_k5', 'ori')


def load_label_file(path):
    """[coords, flip, label] as NumPy arrays. torch >= 2.6 defaults to weights_only=True, which refuses
    pickled NumPy arrays, so ask for the full unpickler where the argument exists (trusted files only)."""
    try:
        return torch.load(path, weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path)


def label_path(softlabel_root, image_path):
    """FKD's rule: <root>/train/<class folder>/<stem>.tar, stem = file name before its first dot."""
    parts = image_path.replace(os.sep, '/').split('/')
    stem = parts[-1].split('.')[0]
    return os.path.join(softlabel_root, 'train', parts[-2], stem + '.tar')


def _marginal_k(label_type):
    if label_type in ('marginal_renorm', 'marginal_renorm_k5'):
        return None
    if label_type.startswith('marginal_smoothing_k'):
        return int(label_type[len('marginal_smoothing_k'):])
    raise ValueError(f'unknown soft label type {label_type!r} (one of {", ".join(LABEL_TYPES)})')


def recover_soft_label(label, label_type, num_classes):
    """Stored label rows -> dense (n, C) float32 targets that sum to 1, as FKD's Recover_soft_label.

    hard: one-hot; smoothing [idx, p]: p there, (1 - p)/(C - 1) elsewhere; marginal_smoothing_k (n, 2, k):
    stored p there, (1 - sum p)/(C - k) elsewhere; marginal_renorm (n, 2, k): p / sum p there, 0 elsewhere;
    ori (n, C): as stored. float16 rows are widened to float32 first (FKD's own code fails on them).
    """
    label = torch.as_tensor(np.asarray(label))
    n = label.shape[0]
    q = torch.zeros(n, num_classes, dtype=torch.float32)
    if label_type == 'hard':
        return q.scatter_(1, label.long().view(n, 1), 1.0)
    label = label.float()
    if label_type == 'ori':
        if label.shape != (n, num_classes):
            raise ValueError(f'ori labels have shape {tuple(label.shape)}, expected ({n}, {num_classes})')
        return label.clone()
    if label_type == 'smoothing':
        idx, p = label[:, 0].long().view(n, 1), label[:, 1].view(n, 1)
        q += ((1 - p) / (num_classes - 1))
        return q.scatter_(1, idx, p)
    idx, p = label[:, 0].long(), label[:, 1]
    k = idx.shape[1]
    if _marginal_k(label_type) is None:
        return q.scatter_(1, idx, p / p.sum(1, keepdim=True).clamp_min(1e-12))
    if k != _marginal_k(label_type):
        raise ValueError(f'{label_type} but the file stores top-{k}')
    if k < num_classes:
        q += ((1 - p.sum(1, keepdim=True)) / (num_classes - k))
    return q.scatter_(1, idx, p)


def soft_cross_entropy(logits, target):
    """FKD's loss: mean over crops of -sum(target * log_softmax(logits))."""
    return -(target * F.log_softmax(logits, 1)).sum(1).mean()


class FKDLabelDataset(torch.utils.data.Dataset):
    """One item = one image with num_crops of its stored crops (FKD's ImageFolder_FKD semantics).

    samples: list of (image path, class index); image paths keep the class folder as their parent.
    Returns (crops [num_crops, C, size, size], hard targets [num_crops], soft targets [num_crops, classes],
    chosen crop indices [num_crops], image index).
    """

    def __init__(self, samples, softlabel_root, label_type, num_classes, num_crops, size, seed=None,
                 grayscale=False, bundle=None):
        self.samples = list(samples)
        self.root = softlabel_root
        # A .fkdlabels bundle instead of a tree: its records as FKD's arrays, keyed like label_path().
        self.bundle = None
        if bundle is not None:
            from .bundle import read_bundle, record_to_fkd
            _, records = read_bundle(bundle)
            self.bundle = {label_path('', p): record_to_fkd(r)[0] for p, r in records.items()}
        self.label_type = label_type
        self.num_classes = num_classes
        self.num_crops = num_crops
        self.size = size
        self.grayscale = grayscale
        self.rng = random.Random(seed)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        if self.bundle is not None:
            coords, flip, label = self.bundle[label_path('', path)]
        else:
            coords, flip, label = load_label_file(label_path(self.root, path))
        stored = len(coords)
        if self.num_crops > stored:
            raise ValueError(f'num_crops {self.num_crops} > the {stored} crops stored for {path}')
        chosen = self.rng.sample(range(stored), self.num_crops)  # a fresh draw on every load, no replacement
        img = Image.open(path).convert('L' if self.grayscale else 'RGB')
        w, h = img.size
        crops = []
        for c in chosen:
            top, left, ch, cw = (float(v) for v in coords[c])
            crop = TF.resized_crop(img, top * h, left * w, ch * h, cw * w, [self.size, self.size],
                                   interpolation=TF.InterpolationMode.BILINEAR)
            if bool(flip[c]):
                crop = TF.hflip(crop)
            crops.append(TF.to_tensor(crop))
        soft = recover_soft_label(np.asarray(label)[chosen], self.label_type, self.num_classes)
        return (torch.stack(crops), torch.full((self.num_crops,), target, dtype=torch.long), soft,
                torch.tensor(chosen), index)


def collate_crop_major(batch):
    """FKD's batch layout: crop slot 0 of every image, then slot 1, ... (fkd-reference 2.2)."""
    crops, hard, soft, chosen, index = zip(*batch)
    x = torch.stack(crops, 1).flatten(0, 1)
    return (x, torch.stack(hard, 1).flatten(), torch.stack(soft, 1).flatten(0, 1), torch.stack(chosen),
            torch.tensor(index))
