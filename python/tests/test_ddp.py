import tempfile
import time
import unittest

from fkd_studio import ddp_smoke
from .tree import IMAGES, tree


class DDPSmoke(unittest.TestCase):
    def test_two_ranks_train_on_their_own_shards_and_the_loss_falls(self):
        args = ddp_smoke.parser().parse_args(['--labels', tree(), '--images', IMAGES, '--world', '2', '--lr', '0.1'])
        t0 = time.time()
        with tempfile.TemporaryDirectory() as d:
            results = ddp_smoke.run(args, d)
        elapsed = time.time() - t0
        shards = [set(r['shard']) for r in results]
        self.assertFalse(shards[0] & shards[1], 'ranks share images')
        self.assertEqual(len(shards[0] | shards[1]), 320, 'the shards cover every labelled image')
        for r, shard in zip(results, shards):
            self.assertEqual(set(r['seen']), shard, f"rank {r['rank']} saw exactly its shard in epoch 0")
        losses = results[0]['losses']
        self.assertEqual(losses, results[1]['losses'], 'all-reduced loss agrees across ranks')
        first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
        self.assertLess(last, first - 0.05, f'loss {first:.3f} -> {last:.3f}')
        print(f'\nDDP smoke: 2 ranks, {len(losses)} steps, loss {first:.3f} -> {last:.3f}, {elapsed:.1f} s')


if __name__ == '__main__':
    unittest.main()
