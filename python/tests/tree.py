"""The exported tree the tests read: FKD_TEST_TREE if set (npm run test:py makes it), else made here with
the studio's writer (npx tsx tools/pytorch/exportTestTree.ts)."""

import atexit
import os
import shutil
import subprocess
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
IMAGES = os.path.join(REPO, 'public', 'datasets', 'fashion-mnist')
FIXTURES = os.path.join(REPO, 'src', 'core', 'torchfile', '__fixtures__')
_tree = None


def tree():
    global _tree
    if _tree is None:
        _tree = os.environ.get('FKD_TEST_TREE')
        if not _tree:
            _tree = tempfile.mkdtemp(prefix='fkd-tree-')
            atexit.register(shutil.rmtree, _tree, True)
            subprocess.run(['npx', 'tsx', 'tools/pytorch/exportTestTree.ts', _tree], cwd=REPO, check=True)
    return _tree
