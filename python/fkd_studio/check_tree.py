"""Load every label file of an exported FKD tree with torch.load and check it, as a cluster job would
read it: `python3 -m fkd_studio.check_tree <tree> [expected.json]`. Prints one JSON line: files read,
the label type, the largest deviation of a recovered target's sum from 1 and, given the studio's
expected targets (exportTestTree.ts's expected.json format), the largest difference from them."""

import json
import os
import sys

import torch

from .labels import load_label_file, recover_soft_label


def check(root, expected_path=None):
    with open(os.path.join(root, 'fkd_studio.json')) as fh:
        info = json.load(fh)
    label_type, num_classes = info['labelType'], info['numClasses']
    expected = {}
    if expected_path:
        with open(expected_path) as fh:
            expected = {im['label']: im['targets'] for im in json.load(fh)['images']}
    files, worst_sum, worst_diff, compared = 0, 0.0, 0.0, 0
    for cls in sorted(os.listdir(os.path.join(root, 'train'))):
        for name in sorted(os.listdir(os.path.join(root, 'train', cls))):
            coords, flip, label = load_label_file(os.path.join(root, 'train', cls, name))
            if coords.shape[1] != 4 or len(flip) != len(coords) or len(label) != len(coords):
                raise ValueError(f'train/{cls}/{name}: inconsistent arrays')
            q = recover_soft_label(label, label_type, num_classes)
            worst_sum = max(worst_sum, (q.sum(1) - 1).abs().max().item())
            key = f'train/{cls}/{name}'
            if key in expected:
                worst_diff = max(worst_diff, (q - torch.tensor(expected[key])).abs().max().item())
                compared += 1
            files += 1
    return {'files': files, 'labelType': label_type, 'maxSumError': worst_sum, 'compared': compared,
            'maxTargetDiff': worst_diff}


if __name__ == '__main__':
    print(json.dumps(check(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)))
