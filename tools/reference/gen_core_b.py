#!/usr/bin/python3
"""Golden fixtures for src/core part B (softLabel, softCrossEntropy, float16, tar).

Run from the repo root with Debian's python (torch 1.13, numpy, GNU tar 1.34):
    /usr/bin/python3 tools/reference/gen_core_b.py
Writes src/core/__fixtures__/{codec_c10.json,codec_c1000.json,codec_float16.json,softce_cases.json}
and src/core/__fixtures__/tar/{*.tar,tar_expected.json}. Deterministic (fixed seeds, fixed mtimes).

The label rebuild below paraphrases FKD's "Recover_soft_label" (reference section 1.4) in torch:
softmax with torch.softmax, top-k with torch.topk, MR normalisation with F.normalize(p=1, eps=1e-12).
torch.topk's tie order on CPU is an artefact of its partial sort, so each case also records the
lowest-index-first order (stable descending sort), which is what the TS port implements; tests check
that both orders pick the same values rank by rank.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIX = os.path.join(ROOT, 'src', 'core', '__fixtures__')


def b64f32(t):
    return base64.b64encode(np.asarray(t, dtype=np.float32).tobytes()).decode('ascii')


def recover(label_type, idx, p, probs, C):
    """Dense target from stored (idx, p) per the reference table (float32 torch)."""
    if label_type == 'hard':
        q = torch.zeros(C)
        q[idx[0]] = 1.0
        return q
    if label_type == 'ori':
        return probs.clone()
    k = idx.numel()
    if label_type == 'smoothing' or label_type.startswith('marginal_smoothing'):
        # k == C has no "other" classes; the reference would divide by zero, the port renormalises.
        fill = (1.0 - p.sum()) / (C - k) if k < C else torch.tensor(0.0)
        q = torch.full((C,), float(fill))
        q.scatter_(0, idx, p)
        return q
    if label_type.startswith('marginal_renorm'):
        q = torch.zeros(C)
        q.scatter_(0, idx, p)
        return F.normalize(q, p=1, dim=0, eps=1e-12)
    raise ValueError(label_type)


def k_of(label_type, C):
    if label_type in ('hard', 'smoothing'):
        return 1
    if label_type == 'ori':
        return C
    if label_type == 'marginal_renorm':
        return 5
    return int(re.search(r'_k(\d+)$', label_type).group(1))


def codec_case(name, logits, T, label_types):
    C = logits.numel()
    probs = torch.softmax(logits / T, dim=0)
    order = torch.sort(probs, descending=True, stable=True).indices
    out = {'name': name, 'numClasses': C, 'temperature': T, 'logits': b64f32(logits), 'probs': b64f32(probs),
           'labels': []}
    for lt in label_types:
        k = k_of(lt, C)
        tv, ti = torch.topk(probs, k)
        si = order[:k]
        sp = probs[si]
        assert torch.equal(tv, sp), 'topk values must match the stable order rank by rank'
        half = sp.half().float()
        if lt == 'ori':  # the full label is the probs themselves; don't repeat 3 C-vectors
            out['labels'].append({'labelType': lt, 'k': k})
            continue
        out['labels'].append({
            'labelType': lt, 'k': k,
            'torchTopkIndices': ti.tolist(), 'stableIndices': si.tolist(),
            'values': b64f32(sp), 'valuesF16': b64f32(half),
            'recovered': b64f32(recover(lt, si, sp, probs, C)),
        })
    return out


def gen_codecs():
    g = torch.Generator().manual_seed(1234)
    base = ['hard', 'smoothing', 'marginal_smoothing_k5', 'marginal_smoothing_k10', 'marginal_renorm_k5', 'ori']
    c10 = base + ['marginal_renorm', 'marginal_smoothing_k1', 'marginal_renorm_k1', 'marginal_smoothing_k10', 'marginal_renorm_k10']
    c10 = list(dict.fromkeys(c10))
    cases10 = []
    for i, T in enumerate([1.0, 2.0, 0.5]):
        cases10.append(codec_case(f'random{i}_T{T}', torch.randn(10, generator=g) * 2, T, c10))
    cases10.append(codec_case('ties', torch.tensor([1., 3, 3, 2, 3, 0, 3, 1, 1, 3]), 1.0, c10))
    cases10.append(codec_case('flat', torch.zeros(10), 1.0, c10))
    peaked = torch.randn(10, generator=g)
    peaked[7] = 40.0
    cases10.append(codec_case('peaked', peaked, 1.0, c10))
    cases1000 = []
    for i, T in enumerate([1.0, 4.0]):
        cases1000.append(codec_case(f'random{i}_T{T}', torch.randn(1000, generator=g) * 3, T, base))
    pk = torch.randn(1000, generator=g)
    pk[321] = 50.0
    cases1000.append(codec_case('peaked', pk, 1.0, base))
    cases1000.append(codec_case('flat', torch.zeros(1000), 1.0, base))
    tie_top = torch.randn(1000, generator=g)
    tie_top[[17, 400, 401, 999, 3, 650]] = 6.0  # six-way tie straddling k = 5
    cases1000.append(codec_case('tieTop', tie_top, 1.0, base))
    return cases10, cases1000


def gen_float16():
    rng = np.random.default_rng(7)
    vals = np.concatenate([
        rng.random(200, dtype=np.float32),
        (rng.random(50) * 1e-4).astype(np.float32),  # subnormal halves
        np.float32([0, 1, 0.5, 65504, 65519, 65520, 1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14,
                    1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, 0.333333343, -0.75, -2 ** -20]),
    ]).astype(np.float32)
    with np.errstate(over='ignore'):  # 1e6 -> inf on purpose
        bits = vals.astype(np.float16).view(np.uint16).tolist()
    return {'inputs': b64f32(vals), 'halfBits': bits}


def gen_softce():
    g = torch.Generator().manual_seed(99)
    cases = []
    for n, C, T, kind in [(4, 10, 1.0, 'soft'), (4, 10, 2.0, 'soft'), (4, 10, 0.5, 'onehot'), (5, 10, 4.0, 'soft'),
                          (3, 1000, 1.0, 'soft'), (3, 1000, 3.0, 'ms5'), (2, 10, 1.0, 'large')]:
        z = torch.randn(n, C, generator=g, dtype=torch.float64) * 3
        if kind == 'large':
            z = z * 30  # logits around ±100: needs the max-subtracted log-softmax
        t = torch.softmax(torch.randn(n, C, generator=g, dtype=torch.float64) * 2, dim=1)
        if kind == 'onehot':
            t = F.one_hot(t.argmax(1), C).double()
        if kind == 'ms5':
            rows = []
            for r in range(n):
                v, i = torch.topk(t[r], 5)
                q = torch.full((C,), float((1 - v.sum()) / (C - 5)), dtype=torch.float64)
                q.scatter_(0, i, v)
                rows.append(q)
            t = torch.stack(rows)
        z32, t32 = z.float(), t.float()  # the TS side sees float32 inputs, so the reference uses them too
        loss = -(t32.double() * F.log_softmax(z32.double() / T, dim=1)).sum(1).mean()
        cases.append({'numCrops': n, 'numClasses': C, 'temperature': T, 'kind': kind,
                      'logits': b64f32(z32), 'targets': b64f32(t32), 'loss': float(loss)})
    return cases


# ---------------------------------------------------------------- tar / WebDataset fixtures

LONG_DIR = 'long/' + 'a' * 60 + '/' + 'b' * 50


def tar_members():
    """(path, bytes or None for a directory, 'link' for a symlink) in archive order."""
    rng = np.random.default_rng(3)
    blob = lambda n: rng.integers(0, 256, n, dtype=np.uint8).tobytes()  # noqa: E731
    return [
        ('s000.png', blob(200)), ('s000.cls', b'3\n'),
        ('s001.cls', b'7'), ('s001.png', blob(512)), ('s001.seg.png', blob(1024)),
        ('S002.JPG', blob(700)), ('S002.cls', b' 12 \n'),
        ('_meta.json', b'{"n": 5}'), ('.hidden', b'x'), ('README', b'no extension'),
        ('dir/', None), ('dir/sub/', None), ('dir/sub/s003.jpg', b''), ('dir/sub/s003.cls', b'x1'),
        ('s004.png', blob(100)), ('s004.PNG', blob(90)), ('s004.cls', b'4'),
        ('link.png', 'link'),
        (LONG_DIR + '/k1.seg.png', blob(1300)), (LONG_DIR + '/k1.cls', b'1'),
        ('\u00e9005.png', blob(64)), ('\u00e9005.cls', b'5'),
    ]


def wds_expected(entries):
    """Independent WebDataset grouping (docs/datasets.md rules) over tarfile's listing."""
    samples, problems, cur = [], [], None
    for e in entries:
        if e['type'] != 'file':
            continue
        base = e['path'].rsplit('/', 1)[-1]
        if base.startswith('.') or base.startswith('_'):
            continue
        m = re.match(r'^((?:.*/|)[^.]+)[.]([^/]*)$', e['path'])
        if not m:
            problems.append({'path': e['path'], 'kind': 'noExtension'})
            continue
        key, ext = m.group(1), m.group(2).lower()
        if cur is None or cur['key'] != key:
            if cur is not None:
                samples.append(cur)
            cur = {'key': key, 'files': {}}
        if ext in cur['files']:
            problems.append({'key': key, 'path': e['path'], 'kind': 'duplicate'})
            continue
        cur['files'][ext] = e['sha256']
    return samples, problems, cur


def gen_tar():
    out = os.path.join(FIX, 'tar')
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp()
    members = tar_members()
    for path, data in members:
        full = os.path.join(work, path)
        if data is None:
            os.makedirs(full, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if data == 'link':
            os.symlink('s000.png', full)
        else:
            with open(full, 'wb') as f:
                f.write(data)
    listfile = work + '_list.txt'
    with open(listfile, 'w') as f:
        f.write('\n'.join(p.rstrip('/') for p, _ in members) + '\n')
    common = ['tar', '-C', work, '--no-recursion', '-b', '1', '--mtime=2020-01-01 00:00:00Z', '--owner=0',
              '--group=0', '--numeric-owner', '--mode=u+rw,go+r', '-T', listfile, '-cf']
    formats = {
        'ustar': ['--format=ustar'],
        'pax': ['--format=pax', '--pax-option=comment=fkd-fixture,globexthdr.name=GlobalHead,globexthdr.mtime=1577836800,'
                'exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'],
        'gnu': ['--format=gnu'],
    }
    expected = {}
    for fmt, opts in formats.items():
        dst = os.path.join(out, f'sample_{fmt}.tar')
        subprocess.run(common[:-1] + opts + ['-cf', dst], check=True, env={**os.environ, 'LC_ALL': 'C.UTF-8'})
        entries = []
        with tarfile.open(dst, 'r:', encoding='utf-8') as tf:
            for m in tf:
                kind = 'file' if m.isreg() else 'directory' if m.isdir() else 'other'
                data = tf.extractfile(m).read() if m.isreg() else b''
                entries.append({'path': m.name, 'size': m.size if m.isreg() else 0, 'type': kind,
                                'sha256': hashlib.sha256(data).hexdigest(), 'offsetData': m.offset_data})
        samples, problems, last = wds_expected(entries)
        expected[fmt] = {'file': f'sample_{fmt}.tar', 'entries': entries, 'samples': samples + [last],
                         'problems': problems}
    # A copy of the ustar archive cut in the middle of s001.seg.png's data (kept small on purpose).
    src = os.path.join(out, 'sample_ustar.tar')
    ents = expected['ustar']['entries']
    big = next(i for i, e in enumerate(ents) if e['path'] == 's001.seg.png')
    cut = ents[big]['offsetData'] + 700
    with open(src, 'rb') as f:
        raw = f.read()
    with open(os.path.join(out, 'truncated_ustar.tar'), 'wb') as f:
        f.write(raw[:cut])
    # tarfile itself must refuse the cut archive (so the fixture really is truncated).
    try:
        with tarfile.open(os.path.join(out, 'truncated_ustar.tar'), 'r:') as tf:
            for m in tf:
                if m.isreg():
                    tf.extractfile(m).read()
        raise SystemExit('tarfile accepted the truncated archive')
    except tarfile.ReadError:
        pass
    whole = ents[:big]
    samples, problems, pending = wds_expected(whole)
    expected['truncated'] = {'file': 'truncated_ustar.tar', 'cut': cut, 'wholeEntries': len(whole),
                             'missingBytes': ents[big]['size'] - 700, 'samples': samples, 'problems': problems,
                             'droppedKey': pending['key'] if pending else None}
    with open(os.path.join(out, 'tar_expected.json'), 'w') as f:
        json.dump(expected, f, ensure_ascii=False)
    shutil.rmtree(work)
    os.remove(listfile)


def main():
    os.makedirs(FIX, exist_ok=True)
    c10, c1000 = gen_codecs()
    dump = lambda name, obj: json.dump(obj, open(os.path.join(FIX, name), 'w'))  # noqa: E731
    dump('codec_c10.json', {'cases': c10})
    dump('codec_c1000.json', {'cases': c1000})
    dump('codec_float16.json', gen_float16())
    dump('softce_cases.json', {'cases': gen_softce()})
    gen_tar()


if __name__ == '__main__':
    main()
