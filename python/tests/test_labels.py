import json
import os
import unittest

import numpy as np
import torch

from fkd_studio import FKDLabelDataset, collate_crop_major, label_path, load_label_file, read_bundle, recover_soft_label
from fkd_studio.bundle import record_to_fkd
from .tree import FIXTURES, IMAGES, tree


class ExportedTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tree()
        with open(os.path.join(cls.root, 'expected.json')) as fh:
            cls.expected = json.load(fh)

    def test_torch_load_recovers_the_studios_targets(self):
        e = self.expected
        worst = 0.0
        for im in e['images']:
            coords, flip, label = load_label_file(os.path.join(self.root, im['label']))
            self.assertEqual(coords.dtype, np.float32)
            self.assertEqual(flip.dtype, np.bool_)
            self.assertEqual(label.shape, (e['numCrops'], 2, 5))
            q = recover_soft_label(label, e['labelType'], e['numClasses'])
            worst = max(worst, (q - torch.tensor(im['targets'])).abs().max().item())
        self.assertEqual(len(e['images']), 320)
        self.assertLess(worst, 1e-6)

    def test_label_path_follows_fkd(self):
        self.assertEqual(label_path('/x', '/data/train/n01/n01_7.JPEG'), os.path.join('/x', 'train', 'n01', 'n01_7.tar'))

    def test_bundle_holds_the_same_labels_as_the_tree(self):
        header, records = read_bundle(os.path.join(self.root, 'labels.fkdlabels'))
        self.assertEqual(header['numClasses'], 10)
        self.assertEqual(len(records), 320)
        for path, rec in records.items():
            arrays, label_type = record_to_fkd(rec)
            self.assertEqual(label_type, 'marginal_smoothing_k5')
            stored = load_label_file(label_path(self.root, path))
            for ours, theirs in zip(arrays, stored):
                np.testing.assert_array_equal(ours, theirs)

    def test_loader_draws_num_crops_of_the_stored_crops_per_load(self):
        e = self.expected
        samples = [(os.path.join(IMAGES, im['path']), im['classIndex']) for im in e['images'][:8]]
        ds = FKDLabelDataset(samples, self.root, e['labelType'], 10, 3, 28, seed=1, grayscale=True)
        draws = set()
        for _ in range(5):
            x, hard, soft, chosen, index = ds[0]
            self.assertEqual(tuple(x.shape), (3, 1, 28, 28))
            self.assertEqual(len(set(chosen.tolist())), 3)
            expected = torch.tensor(e['images'][0]['targets'])[chosen]
            self.assertLess((soft - expected).abs().max().item(), 1e-6)
            self.assertTrue((hard == e['images'][0]['classIndex']).all())
            draws.add(tuple(chosen.tolist()))
        self.assertGreater(len(draws), 1, 'every load draws a fresh subset')
        x, hard, soft, chosen, index = collate_crop_major([ds[0], ds[1]])
        self.assertEqual(tuple(x.shape), (6, 1, 28, 28))
        self.assertEqual(index.tolist(), [0, 1])
        self.assertEqual(hard.tolist()[:2], [e['images'][0]['classIndex'], e['images'][1]['classIndex']])

    def test_loader_reads_the_bundle_like_the_tree(self):
        e = self.expected
        samples = [(os.path.join(IMAGES, im['path']), im['classIndex']) for im in e['images'][:4]]
        bundle = os.path.join(self.root, 'labels.fkdlabels')
        a = FKDLabelDataset(samples, None, e['labelType'], 10, 3, 28, seed=5, grayscale=True, bundle=bundle)
        b = FKDLabelDataset(samples, self.root, e['labelType'], 10, 3, 28, seed=5, grayscale=True)
        for i in range(4):
            xa, _, sa, ca, _ = a[i]
            xb, _, sb, cb, _ = b[i]
            self.assertEqual(ca.tolist(), cb.tolist())
            self.assertTrue(torch.equal(xa, xb))
            self.assertLess((sa - sb).abs().max().item(), 1e-7)

    def test_num_crops_above_the_stored_count_is_refused(self):
        im = self.expected['images'][0]
        ds = FKDLabelDataset([(os.path.join(IMAGES, im['path']), 0)], self.root, 'marginal_smoothing_k5', 10, 9, 28)
        with self.assertRaisesRegex(ValueError, 'num_crops 9 > the 8 crops stored'):
            ds[0]


class TorchFixtures(unittest.TestCase):
    def test_every_label_type_recovers_a_distribution(self):
        with open(os.path.join(FIXTURES, 'expected.json')) as fh:
            fx = json.load(fh)
        for name, e in fx['good'].items():
            _, _, label = load_label_file(os.path.join(FIXTURES, 'good', name))
            lt = 'marginal_renorm' if e['kind'] == 'marginal_renorm' else e['labelType']
            q = recover_soft_label(label, lt, fx['numClasses'])
            self.assertLess((q.sum(1) - 1).abs().max().item(), 2e-3, name)
        _, _, mr = load_label_file(os.path.join(FIXTURES, 'good', 'marginal_renorm_k5_f32.tar'))
        a = recover_soft_label(mr, 'marginal_renorm', 10)
        self.assertTrue(torch.equal(a, recover_soft_label(mr, 'marginal_renorm_k5', 10)))
        self.assertEqual(int((a > 0).sum(1).max()), 5)


if __name__ == '__main__':
    unittest.main()
