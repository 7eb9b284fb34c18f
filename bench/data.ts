/**
 * bench:data: decode + crop throughput in the teacher worker for ImageNet-size JPEGs (500x375), with 1,
 * 4 and 8 crops per decoded image, so the FKD amortisation (decode once, crop many) shows as a ratio.
 * The JPEGs are drawn deterministically in the page (seeded gradients, shapes and noise on an
 * OffscreenCanvas, encoded at quality 0.9: real JPEG sizes, not flat colour) and handed to the worker's
 * decodeCropThroughput (src/workers/benchData.ts): the decode pool -> uploadImage -> cropsFromImage ->
 * a one-number readback -> dispose. Two paths: crops at --out-size from full-size decodes (generation's
 * path, and training's at 224 px, where the fit keeps the full size), and crops at --fit-size from
 * decodes fitted to them (training's path for the studio's small students). Goal: crops/s at 4 >= 2x
 * crops/s at 1.
 *
 *   npx tsx bench/data.ts [--images 120] [--seconds 6] [--out-size 224] [--fit-size 32]
 */
import { arg, note, round, runBench, table } from './harness';
import { drawPhotoJpegs, type BenchJpegs } from './photoJpegs';

const IMAGES = arg('images', 120);
const SECONDS = arg('seconds', 6);
const OUT_SIZE = arg('out-size', 224);
const FIT_SIZE = arg('fit-size', 32);
const CROPS = [1, 4, 8];
const WIDTH = 500;
const HEIGHT = 375;

interface Row {
  backend: string;
  outSize: number;
  fitted: boolean;
  decodedWidth: number;
  decodedHeight: number;
  cropsPerImage: number;
  images: number;
  crops: number;
  seconds: number;
  imagesPerSec: number;
  cropsPerSec: number;
  decodeWaitMs: number;
  failed: number;
}

await runBench('data', async ({ page }) => {
  note(`drawing ${IMAGES} ${WIDTH}x${HEIGHT} JPEGs in the page`);
  const made = await drawPhotoJpegs(page, IMAGES, WIDTH, HEIGHT);
  note(
    `${made.count} JPEGs, mean ${(made.meanBytes / 1024).toFixed(1)} KB (${(made.minBytes / 1024).toFixed(0)}..${(made.maxBytes / 1024).toFixed(0)} KB)`,
  );

  const paths = [
    { name: 'full-size decode', outSize: OUT_SIZE, fitted: false },
    { name: 'fitted decode', outSize: FIT_SIZE, fitted: true },
  ];
  const rows: Row[] = [];
  for (const path of paths) {
    for (const crops of CROPS) {
      note(`${path.name}, ${path.outSize}-px crops, ${crops} crop(s) per decoded image, ${SECONDS} s`);
      const r = await page.evaluate(
        ({ crops, outSize, seconds, fitted }) => {
          const blobs = (window as unknown as BenchJpegs).__benchJpegs;
          return window
            .__fkd!.studio()
            .teacher.api.decodeCropThroughput(blobs, crops, outSize, seconds, fitted);
        },
        { crops, outSize: path.outSize, seconds: SECONDS, fitted: path.fitted },
      );
      if (r.failed) throw new Error(`${r.failed} generated JPEGs failed to decode`);
      rows.push(r);
    }
  }

  const at = (fitted: boolean, c: number) => rows.find((r) => r.fitted === fitted && r.cropsPerImage === c)!;
  const ratio = (fitted: boolean, c: number) => at(fitted, c).cropsPerSec / at(fitted, 1).cropsPerSec;
  const ratio4 = ratio(false, 4);
  console.log(
    `decode (pool) + crop throughput in the teacher worker (${rows[0].backend}), ${WIDTH}x${HEIGHT} JPEGs ` +
      `(mean ${(made.meanBytes / 1024).toFixed(1)} KB)`,
  );
  console.log(
    table(
      [
        'decode',
        'decoded px',
        'crop px',
        'crops/image',
        'images',
        'crops',
        'seconds',
        'images/s',
        'crops/s',
        'decode wait ms',
        'crops/s vs 1',
      ],
      rows.map((r) => [
        r.fitted ? 'fitted' : 'full size',
        `${Math.round(r.decodedWidth)}x${Math.round(r.decodedHeight)}`,
        r.outSize,
        r.cropsPerImage,
        r.images,
        r.crops,
        r.seconds,
        r.imagesPerSec,
        r.cropsPerSec,
        r.decodeWaitMs,
        r.cropsPerSec / at(r.fitted, 1).cropsPerSec,
      ]),
    ),
  );
  console.log(
    `full-size decode, ${OUT_SIZE}-px crops: crops/s at 4 / crops/s at 1 = ${ratio4.toFixed(2)} (goal >= 2): ` +
      `${ratio4 >= 2 ? 'met' : 'NOT met'}; fitted decode, ${FIT_SIZE}-px crops: ${ratio(true, 4).toFixed(2)}`,
  );
  const per = (fitted: boolean, f: (r: Row) => number) =>
    Object.fromEntries(
      rows.filter((r) => r.fitted === fitted).map((r) => [String(r.cropsPerImage), round(f(r), 2)]),
    );
  const summary = (fitted: boolean) => ({
    outSize: fitted ? FIT_SIZE : OUT_SIZE,
    decodedWidth: round(at(fitted, 1).decodedWidth, 1),
    decodedHeight: round(at(fitted, 1).decodedHeight, 1),
    cropsPerSec: per(fitted, (r) => r.cropsPerSec),
    imagesPerSec: per(fitted, (r) => r.imagesPerSec),
    decodeWaitMs: per(fitted, (r) => r.decodeWaitMs),
    ratio4to1: round(ratio(fitted, 4), 3),
    ratio8to1: round(ratio(fitted, 8), 3),
  });
  return {
    backend: rows[0].backend,
    width: WIDTH,
    height: HEIGHT,
    jpegs: made.count,
    meanJpegBytes: Math.round(made.meanBytes),
    secondsPerSetting: SECONDS,
    fullSize: summary(false),
    fitted: summary(true),
    ratio4to1: round(ratio4, 3),
    goalMet: ratio4 >= 2,
  };
});
