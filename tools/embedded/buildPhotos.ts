/**
 * The imagenet-photos embedded dataset: JPEG variants (crops/flips, q85, longest side <= 320 px) of the
 * real photos in /work/shared/data/photos, in ImageNet wnid folders (ImageMagick `convert`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compareCodePoints } from '../../src/core/codePoints';
import { PHOTOS, PUBLIC, SHARED_DATA, copyFile } from './datasetFiles';
import type { ClassEntry, ImageFolderManifest } from './manifest';

interface PhotoVariant {
  split: 'train' | 'val';
  suffix: string;
  /** ImageMagick operations applied to the source photo. */
  ops: string[];
}
interface PhotoClass {
  wnid: string;
  photo: string;
  variants: PhotoVariant[];
}

const flop = ['-flop'];
const crop = (g: string): string[] => ['-crop', g, '+repage'];
/** Three train variants and one val variant per class; the subject stays in view in each. */
const PHOTO_CLASSES: PhotoClass[] = [
  {
    wnid: 'n01614925', // bald eagle (a juvenile)
    photo: 'eagle',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('300x300+90+10') },
      { split: 'val', suffix: 'd', ops: [...crop('340x260+70+30'), ...flop] },
    ],
  },
  {
    wnid: 'n02110063', // malamute (the dog in darknet's dog.jpg)
    photo: 'dog',
    variants: [
      { split: 'train', suffix: 'a', ops: crop('150x200+30+115') },
      { split: 'train', suffix: 'b', ops: [...crop('150x200+30+115'), ...flop] },
      { split: 'train', suffix: 'c', ops: crop('190x230+10+90') },
      { split: 'val', suffix: 'd', ops: [...crop('170x210+20+105'), ...flop] },
    ],
  },
  {
    wnid: 'n02123045', // tabby (chelsea)
    photo: 'chelsea',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('300x300+75+0') },
      { split: 'val', suffix: 'd', ops: [...crop('360x260+40+20'), ...flop] },
    ],
  },
  {
    wnid: 'n02389026', // sorrel (horses)
    photo: 'horses',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('320x240+0+80') },
      { split: 'val', suffix: 'd', ops: crop('300x220+160+90') },
    ],
  },
  {
    wnid: 'n02391049', // zebra (behind the giraffe)
    photo: 'giraffe',
    variants: [
      { split: 'train', suffix: 'a', ops: crop('150x150+160+150') },
      { split: 'train', suffix: 'b', ops: [...crop('150x150+160+150'), ...flop] },
      { split: 'train', suffix: 'c', ops: crop('130x170+170+130') },
      { split: 'val', suffix: 'd', ops: [...crop('160x140+150+160'), ...flop] },
    ],
  },
  {
    wnid: 'n03773504', // missile (SpaceX rocket on the pad)
    photo: 'rocket',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('200x320+140+0') },
      { split: 'val', suffix: 'd', ops: [...crop('240x300+110+20'), ...flop] },
    ],
  },
  {
    wnid: 'n03877845', // palace (Summer Palace, sklearn china.jpg)
    photo: 'china',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('240x320+120+0') },
      { split: 'val', suffix: 'd', ops: crop('280x280+100+20') },
    ],
  },
  {
    wnid: 'n03930630', // pickup (the truck in darknet's dog.jpg)
    photo: 'dog',
    variants: [
      { split: 'train', suffix: 'e', ops: crop('170x100+240+10') },
      { split: 'train', suffix: 'f', ops: [...crop('170x100+240+10'), ...flop] },
      { split: 'train', suffix: 'g', ops: crop('200x120+225+0') },
      { split: 'val', suffix: 'h', ops: [...crop('150x90+250+15'), ...flop] },
    ],
  },
  {
    wnid: 'n07920052', // espresso (coffee)
    photo: 'coffee',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('320x300+80+0') },
      { split: 'val', suffix: 'd', ops: [...crop('260x260+110+20'), ...flop] },
    ],
  },
  {
    wnid: 'n09428293', // seashore (darknet's kite.jpg: kites over a beach; ImageNet 'kite' is a bird)
    photo: 'kite',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('320x240+0+80') },
      { split: 'val', suffix: 'd', ops: [...crop('300x200+180+100'), ...flop] },
    ],
  },
];
/** Left out: astronaut (no ImageNet-1k class), flower (a dahlia; no class), person (no class). */

interface ImagenetClass {
  index: number;
  wnid: string;
  name: string;
  names: string;
}

export function buildPhotos(): ImageFolderManifest {
  const root = 'datasets/imagenet-photos';
  const imagenet = JSON.parse(
    readFileSync(join(SHARED_DATA, 'imagenet-classes.json'), 'utf8'),
  ) as ImagenetClass[];
  const byWnid = new Map(imagenet.map((c) => [c.wnid, c]));
  // ImageFolder convention: class index = position of the folder in sorted order.
  const sorted = [...PHOTO_CLASSES].sort((a, b) => compareCodePoints(a.wnid, b.wnid));
  const classes: ClassEntry[] = sorted.map((pc, index) => {
    const c = byWnid.get(pc.wnid);
    if (!c) throw new Error(`unknown wnid ${pc.wnid}`);
    return { index, folder: pc.wnid, name: c.name, wnid: pc.wnid, imagenetIndex: c.index };
  });
  const splits: ImageFolderManifest['splits'] = { train: [], val: [] };
  sorted.forEach((pc, classIndex) => {
    for (const v of pc.variants) {
      const path = `${v.split}/${pc.wnid}/${pc.wnid}_${pc.photo}_${v.suffix}.JPEG`;
      const out = join(PUBLIC, root, path);
      mkdirSync(dirname(out), { recursive: true });
      execFileSync('convert', [
        join(PHOTOS, `${pc.photo}.jpg`),
        ...v.ops,
        '-resize',
        '320x320>',
        '-strip',
        '-quality',
        '85',
        '-sampling-factor',
        '4:2:0',
        out,
      ]);
      const [w, h] = execFileSync('identify', ['-format', '%w %h', out], { encoding: 'utf8' })
        .split(' ')
        .map(Number);
      splits[v.split].push({ path, classIndex, width: w, height: h, bytes: statSync(out).size });
    }
  });
  copyFile(join(PHOTOS, 'LICENSES.md'), join(PUBLIC, root, 'LICENSES.md'));
  copyFile(join(PHOTOS, 'README-sklearn-images.txt'), join(PUBLIC, root, 'README-sklearn-images.txt'));
  return {
    id: 'imagenet-photos',
    name: 'ImageNet-layout photos',
    description:
      'A tiny ImageNet-style folder (wnid folders, .JPEG) of 40 crops/flips of 8 real photos in 10 ImageNet-1k classes.',
    root,
    layout: 'imagefolder',
    numClasses: classes.length,
    imageSize: null,
    channels: 'rgb',
    classes,
    license: 'Per image, see LICENSES.md in this folder (GPL-3+/MIT/WTFPL, CC0, public domain, CC-BY 2.0)',
    source:
      'Photos from Debian packages darknet, python3-skimage, python3-sklearn; variants made with ImageMagick ' +
      '(tools/embedded/buildDatasets.ts). Class index = sorted wnid order; imagenetIndex maps to ImageNet-1k.',
    splits,
  };
}
