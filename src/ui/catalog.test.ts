import { describe, expect, it } from 'vitest';
import { namesMatch, teachersFor, type TeacherOption } from './catalog';

const fashionNames = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
const teacher = (id: string, numClasses: number, classNames?: string[]): TeacherOption => ({
  id,
  name: id,
  numClasses,
  inputSize: 28,
  channels: 1,
  normalisation: 'unit',
  classNames,
  embedded: !!classNames,
});
const classes = (names: string[]) => names.map((name, index) => ({ index, name, folder: name }));
const fashion = { numClasses: 10, classes: classes(fashionNames) };
const photos = {
  numClasses: 10,
  classes: classes([
    'bald eagle',
    'malamute',
    'tabby',
    'sorrel',
    'zebra',
    'missile',
    'palace',
    'pickup',
    'espresso',
    'seashore',
  ]),
};

describe('teachers for a dataset', () => {
  const cnn = teacher('cnn', 10, fashionNames);
  const imported = teacher('imported', 10);
  const imagenet = teacher('imagenet', 1000);

  it('matches class names case- and space-insensitively; a teacher without names matches', () => {
    expect(namesMatch(cnn, fashion)).toBe(true);
    expect(
      namesMatch(
        teacher(
          'x',
          10,
          fashionNames.map((n) => ` ${n.toUpperCase()}`),
        ),
        fashion,
      ),
    ).toBe(true);
    expect(namesMatch(cnn, photos)).toBe(false);
    expect(namesMatch(imported, photos)).toBe(true);
  });

  it('keeps only teachers with as many outputs, those made for the classes first', () => {
    expect(teachersFor([cnn, imported, imagenet], fashion).map((t) => t.id)).toEqual(['cnn', 'imported']);
    expect(teachersFor([cnn, imported, imagenet], photos).map((t) => t.id)).toEqual(['imported', 'cnn']);
    expect(teachersFor([cnn, imagenet], undefined)).toHaveLength(2);
  });
});
