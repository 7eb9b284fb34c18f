"""The studio's own label formats, read in Python: the .fkdlabels bundle (docs/label-bundle.md) and the
bit-packed label record inside it (docs/label-record.md). Every check the TypeScript decoder makes on
lengths, CRCs and ranges is made here too; any failure raises ValueError."""

import json
import struct
import zlib

import numpy as np

CODECS = ('hard', 'smoothing', 'msTopK', 'mrTopK', 'full')
PRECISIONS = ('f32', 'f16', 'q16', 'q8')
QUANT_LEVELS = {'q16': 65535, 'q8': 1023}
# The FKD --soft_label_type of each studio codec (MR rebuilds the same target under FKD's name).
FKD_TYPE = {'hard': 'hard', 'smoothing': 'smoothing', 'mrTopK': 'marginal_renorm', 'full': 'ori'}


def bits_for(x):
    return int(x).bit_length()


def _prob_bits(codec, precision, slot):
    if codec == 'hard':
        return 0
    if precision == 'f32':
        return 32
    if precision == 'f16':
        return 16
    m = QUANT_LEVELS[precision]
    return bits_for(m if codec == 'full' else m // (slot + 1))


def _fields(bits, widths):
    """Columns of an (n, bitsPerCrop) LSB-first bit matrix split at `widths` -> list of uint64 columns."""
    out, at = [], 0
    for w in widths:
        weights = (np.uint64(1) << np.arange(w, dtype=np.uint64))
        out.append((bits[:, at:at + w].astype(np.uint64) * weights).sum(1, dtype=np.uint64) if w else
                   np.zeros(bits.shape[0], np.uint64))
        at += w
    return out


def decode_record(buf):
    """One FKDL label record -> dict(codec, precision, k, num_classes, width, height, boxes (n, 4) pixel
    ints top/left/height/width, flips (n,), indices (n, k), probs (n, k) float32)."""
    buf = bytes(buf)
    if len(buf) < 52 or buf[:4] != b'FKDL':
        raise ValueError('not an FKD label record')
    version, header_bytes = struct.unpack_from('<HH', buf, 4)
    if version != 1 or header_bytes != 52:
        raise ValueError(f'unsupported label record version {version}')
    codec, precision = CODECS[buf[8]], PRECISIONS[buf[9]]
    by, bx, ib = buf[10], buf[11], buf[12]
    k, c, n, w, h, levels, bpc, body, crc = struct.unpack_from('<9I', buf, 16)
    if len(buf) != 52 + body:
        raise ValueError(f'label record length {len(buf)} != {52 + body}')
    if zlib.crc32(buf[:48] + buf[52:]) != crc:
        raise ValueError('label record corrupt: CRC-32 mismatch')
    pw = [_prob_bits(codec, precision, j) for j in range(k)]
    widths = [by, bx, by, bx, 1] + [ib if codec != 'full' else 0] * k + pw
    if sum(widths) != bpc or body != (n * bpc + 7) // 8:
        raise ValueError('label record corrupt: header widths disagree')
    bits = np.unpackbits(np.frombuffer(buf, np.uint8, offset=52), bitorder='little')[: n * bpc].reshape(n, bpc)
    f = _fields(bits, widths)
    boxes = np.stack([f[0], f[1], f[2] + 1, f[3] + 1], 1).astype(np.int64)
    flips = f[4].astype(bool)
    indices = (np.stack(f[5:5 + k], 1) if codec != 'full' else np.tile(np.arange(k), (n, 1))).astype(np.int64)
    raw = np.stack(f[5 + k:], 1) if codec != 'hard' else np.ones((n, k))
    if codec == 'hard':
        probs = raw.astype(np.float32)
    elif precision == 'f32':
        probs = raw.astype(np.uint32).view(np.float32)
    elif precision == 'f16':
        probs = raw.astype(np.uint16).view(np.float16).astype(np.float32)
    else:
        probs = (raw.astype(np.float64) / levels).astype(np.float32)
    if (boxes[:, 0] + boxes[:, 2] > h).any() or (boxes[:, 1] + boxes[:, 3] > w).any() or (indices >= c).any():
        raise ValueError('label record corrupt: box or class index out of range')
    return dict(codec=codec, precision=precision, k=k, num_classes=c, width=w, height=h, boxes=boxes,
                flips=flips, indices=indices, probs=probs)


def record_to_fkd(rec):
    """A decoded record as FKD's [coords, flip, label] arrays (float32) and its --soft_label_type."""
    n = len(rec['boxes'])
    b = rec['boxes'].astype(np.float64)
    coords = np.stack([b[:, 0] / rec['height'], b[:, 1] / rec['width'], b[:, 2] / rec['height'],
                       b[:, 3] / rec['width']], 1).astype(np.float32)
    codec, k = rec['codec'], rec['k']
    if codec == 'hard':
        label = rec['indices'][:, 0].astype(np.int64)
    elif codec == 'smoothing':
        label = np.stack([rec['indices'][:, 0], rec['probs'][:, 0]], 1).astype(np.float32)
    elif codec == 'full':
        label = rec['probs'].astype(np.float32)
    else:
        label = np.stack([rec['indices'], rec['probs']], 1).astype(np.float32).reshape(n, 2, k)
    label_type = FKD_TYPE.get(codec, f'marginal_smoothing_k{k}')
    return [coords, rec['flips'].copy(), label], label_type


def read_bundle(path):
    """A .fkdlabels file -> (header dict, {image path: decoded record})."""
    with open(path, 'rb') as fh:
        buf = fh.read()
    if buf[:4] != b'FKDB':
        raise ValueError(f'{path}: not an FKD label bundle')
    version, flags, hlen = struct.unpack_from('<HHI', buf, 4)
    if version != 1 or flags != 0:
        raise ValueError(f'{path}: unsupported label bundle version {version}')
    if len(buf) < 24 or zlib.crc32(buf[:-4]) != struct.unpack_from('<I', buf, len(buf) - 4)[0]:
        raise ValueError(f'{path}: label bundle corrupt or truncated (CRC-32)')
    header = json.loads(buf[12:12 + hlen].decode('utf-8'))
    paths = {im['index']: im['path'] for im in header['images']}
    records, at = {}, 12 + hlen
    while True:
        index, length = struct.unpack_from('<II', buf, at)
        if index == 0xFFFFFFFF:
            if length != len(records):
                raise ValueError(f'{path}: record count {length} != {len(records)}')
            break
        records[paths[index]] = decode_record(buf[at + 8:at + 8 + length])
        at += 8 + length
    return header, records
