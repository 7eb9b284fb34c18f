"""FKD Studio's Python side: read label sets the studio exports (FKD's per-image torch.save tree, or the
studio's own .fkdlabels bundle) into torch tensors with FKD's loader semantics, for single-process and
DistributedDataParallel training. See python/README.md."""

from .labels import (
    LABEL_TYPES,
    FKDLabelDataset,
    collate_crop_major,
    label_path,
    load_label_file,
    recover_soft_label,
    soft_cross_entropy,
)
from .bundle import read_bundle, decode_record

__all__ = [
    'LABEL_TYPES',
    'FKDLabelDataset',
    'collate_crop_major',
    'label_path',
    'load_label_file',
    'recover_soft_label',
    'soft_cross_entropy',
    'read_bundle',
    'decode_record',
]
