#!/usr/bin/python3
"""FKD label files made by real PyTorch, for src/core/torchfile's reader and writer tests.

Run with Debian's python (torch 1.13): /usr/bin/python3 tools/reference/gen_fkd_files.py

Writes src/core/torchfile/__fixtures__/:
* good/<name>.tar: torch.save([coords, flip, label]) of NumPy arrays exactly as FKD's generator saves
  them, for every label type x float32/float16 (plus a protocol-4 file and a Fortran-ordered coords
  array), 4 crops of a 13x7 image, 10 classes; expected.json holds torch.load's values of each.
* bad/<name>.tar: hostile or broken files, expected.json names the reason each must be refused with.
  The hostile pickles are built byte by byte and never loaded.
"""

import io
import json
import os
import pickle
import shutil
import sys
import zipfile

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'core', 'torchfile', '__fixtures__')
C, N, W, H = 10, 4, 13, 7


def fkd_arrays(label_type, fp16, seed):
    """What FKD's generator computes per image: integer boxes as fractions, flips, quantised softmax."""
    g = torch.Generator().manual_seed(seed)
    dt = torch.float16 if fp16 else torch.float32
    top = torch.randint(0, H - 1, (N,), generator=g)
    left = torch.randint(0, W - 1, (N,), generator=g)
    h = torch.stack([torch.randint(1, int(H - t) + 1, (1,), generator=g)[0] for t in top])
    w = torch.stack([torch.randint(1, int(W - l) + 1, (1,), generator=g)[0] for l in left])
    coords = torch.stack([top / H, left / W, h / H, w / W], 1).to(dt)
    flip = torch.rand(N, generator=g) < 0.5
    p = torch.softmax(torch.randn(N, C, generator=g) * 2, 1)
    if label_type == 'hard':
        label = p.argmax(1)  # int64
    elif label_type == 'smoothing':
        v, i = p.max(1)
        label = torch.stack([i.float(), v], 1).to(dt)
    elif label_type.startswith('marginal'):
        k = int(label_type.rsplit('k', 1)[1])
        v, i = p.topk(k, 1)
        label = torch.stack([i.float(), v], 1).to(dt)  # (N, 2, k), MR stores raw p like MS
    else:  # ori
        label = p.to(dt)
    return [coords.numpy(), flip.numpy(), label.numpy()]


def expected(arrs, kind):
    coords, flip, label = arrs
    exp = {'kind': kind, 'numCrops': N, 'coords': coords.astype(np.float64).ravel().tolist(),
           'flip': flip.astype(int).tolist(),
           'precision': 'f16' if coords.dtype == np.float16 else 'f32'}
    if kind == 'hard':
        exp.update(k=1, indices=label.tolist(), probs=[1.0] * N)
    elif kind == 'smoothing':
        exp.update(k=1, indices=label[:, 0].astype(int).tolist(), probs=label[:, 1].astype(np.float64).tolist())
    elif kind == 'ori':
        exp.update(k=C, indices=[j for _ in range(N) for j in range(C)], probs=label.astype(np.float64).ravel().tolist())
    else:
        exp.update(k=label.shape[2], indices=label[:, 0].astype(int).ravel().tolist(),
                   probs=label[:, 1].astype(np.float64).ravel().tolist())
    return exp


def raw_torch_zip(path, pkl):
    """A torch.save-shaped ZIP around a hand-made pickle (never unpickled here)."""
    prefix = os.path.splitext(os.path.basename(path))[0]
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(prefix + '/data.pkl', pkl)
        z.writestr(prefix + '/version', '3\n')


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(os.path.join(ROOT, 'good'))
    os.makedirs(os.path.join(ROOT, 'bad'))
    good = {}
    kinds = {'hard': 'hard', 'smoothing': 'smoothing', 'marginal_smoothing_k5': 'marginal_smoothing',
             'marginal_renorm_k5': 'marginal_renorm', 'marginal_smoothing_k10': 'marginal_smoothing', 'ori': 'ori'}
    for seed, (lt, kind) in enumerate(kinds.items()):
        for fp16 in (False, True):
            name = f'{lt}_{"f16" if fp16 else "f32"}'
            arrs = fkd_arrays(lt, fp16, seed)
            path = os.path.join(ROOT, 'good', name + '.tar')
            torch.save(arrs, path)
            back = torch.load(path)  # what FKD's loader gets
            for a, b in zip(arrs, back):
                assert a.dtype == b.dtype and np.array_equal(a, b)
            good[name + '.tar'] = dict(expected(back, kind), labelType=lt)
    # Other forms torch.save can produce for the same list.
    arrs = fkd_arrays('marginal_smoothing_k5', False, 99)
    torch.save(arrs, os.path.join(ROOT, 'good', 'ms_k5_protocol4.tar'), pickle_protocol=4)
    good['ms_k5_protocol4.tar'] = dict(expected(arrs, 'marginal_smoothing'), labelType='marginal_smoothing_k5')
    arrs = fkd_arrays('marginal_smoothing_k5', False, 98)
    arrs[0] = np.asfortranarray(arrs[0])
    torch.save(arrs, os.path.join(ROOT, 'good', 'ms_k5_fortran.tar'))
    good['ms_k5_fortran.tar'] = dict(expected(arrs, 'marginal_smoothing'), labelType='marginal_smoothing_k5')

    bad = {}
    b = lambda n: os.path.join(ROOT, 'bad', n)  # noqa: E731
    # A pickle that would run a shell command: GLOBAL os.system, then REDUCE.
    raw_torch_zip(b('global_os_system.tar'), b'\x80\x02cos\nsystem\nq\x00X\x08\x00\x00\x00touch pwq\x01\x85q\x02Rq\x03.')
    bad['global_os_system.tar'] = "global 'os.system'"
    raw_torch_zip(b('global_builtins_eval.tar'), b'\x80\x02c__builtin__\neval\nX\x04\x00\x00\x001+1q\x00\x85R.')
    bad['global_builtins_eval.tar'] = "global '__builtin__.eval'"
    # torch tensors instead of NumPy arrays: a persistent id and torch._utils, outside the subset.
    torch.save([torch.zeros(N, 4), torch.zeros(N, dtype=torch.bool), torch.zeros(N, 2, 5)], b('torch_tensors.tar'))
    bad['torch_tensors.tar'] = "global 'torch._utils._rebuild_tensor_v2'"
    torch.save({'coords': 1}, b('dict.tar'))
    bad['dict.tar'] = 'opcode 0x7d'
    good_bytes = open(os.path.join(ROOT, 'good', 'marginal_smoothing_k5_f32.tar'), 'rb').read()
    open(b('truncated.tar'), 'wb').write(good_bytes[: len(good_bytes) // 2])
    bad['truncated.tar'] = 'broken ZIP container'
    arrs = fkd_arrays('marginal_smoothing_k5', False, 7)
    torch.save([arrs[0][:, :3].copy(), arrs[1], arrs[2]], b('coords_shape.tar'))
    bad['coords_shape.tar'] = 'coords shape (4, 3) is not (N, 4)'
    torch.save([arrs[0], arrs[1][:3].copy(), arrs[2]], b('flip_rows.tar'))
    bad['flip_rows.tar'] = 'flip shape (3,) is not (4,)'
    torch.save(arrs[:2], b('two_arrays.tar'))
    bad['two_arrays.tar'] = 'expected a list of 3 arrays'
    lab = arrs[2].copy()
    lab[1, 0, 2] = 12.0
    torch.save([arrs[0], arrs[1], lab], b('index_out_of_range.tar'))
    bad['index_out_of_range.tar'] = 'class index 12 is out of range for 10 classes'
    lab = arrs[2].copy()
    lab[2, 1, 0] = np.nan
    torch.save([arrs[0], arrs[1], lab], b('nan.tar'))
    bad['nan.tar'] = 'probability NaN'
    co = arrs[0].copy()
    co[3, 0] = 0.9
    co[3, 2] = 0.5
    torch.save([co, arrs[1], arrs[2]], b('box_outside.tar'))
    bad['box_outside.tar'] = 'crop 3: coords'
    torch.save([arrs[0], arrs[1], arrs[2].astype(np.float64)], b('float64_label.tar'))
    bad['float64_label.tar'] = 'label is float64'
    torch.save(arrs, b('legacy.tar'), _use_new_zipfile_serialization=False)
    bad['legacy.tar'] = 'legacy torch.save file'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        z.writestr('x/other.txt', 'hello')
    open(b('no_pickle.tar'), 'wb').write(buf.getvalue())
    bad['no_pickle.tar'] = 'expected one <prefix>/data.pkl'

    with open(os.path.join(ROOT, 'expected.json'), 'w') as f:
        json.dump({'numClasses': C, 'good': good, 'bad': bad}, f, indent=1)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(ROOT) for n in ns)
    print(f'wrote {len(good)} good and {len(bad)} bad files, {total} bytes, to {os.path.normpath(ROOT)}', file=sys.stderr)
    assert pickle.DEFAULT_PROTOCOL >= 2


if __name__ == '__main__':
    main()
