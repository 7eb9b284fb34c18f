import { memo, useEffect, useState } from 'react';
import {
  decodeLabelRecord,
  recordCropBoxes,
  recordEncodedLabel,
  type LabelRecord,
} from '../../core/labelRecord';
import { recoverSoftLabel } from '../../core/softLabel';
import { getDataset, getLabelRecord, listLabelSets, openStudioDb } from '../../store';
import type { LabelStats } from '../../workers/api';
import { useClassNamer } from '../catalog';
import { describeCropMix } from '../../core/labelMix';
import { bmpImageFile } from '../../core/bmp';
import { boxColor, CropView, ImageWithBoxes, TopKBars, type ImageFile } from '../components/CropViews';
import { usePartnerMix } from './ExplorerMix';
import { useStudio } from '../studio';
import { useStoreQuery } from '../useStore';
import { EXPLORE_KEYS } from '../share';
import { useDraft } from '../useDraft';

const isIndex = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function Histogram({ title, bins, label }: { title: string; bins: number[]; label: (i: number) => string }) {
  const max = Math.max(1, ...bins);
  return (
    <div style={{ fontSize: 11 }}>
      <div className="muted">{title}</div>
      <div style={{ display: 'flex', alignItems: 'flex-end', gap: 1, height: 60 }}>
        {bins.map((b, i) => (
          <div
            key={i}
            title={`${label(i)}: ${b}`}
            style={{ width: 9, height: `${(100 * b) / max}%`, background: 'var(--accent)' }}
          />
        ))}
      </div>
      <div style={{ display: 'flex', justifyContent: 'space-between', width: 200 }}>
        <span>{label(0)}</span>
        <span>{label(bins.length - 1)}</span>
      </div>
    </div>
  );
}

// Memoised: a running job re-renders its view on each progress update; the stats change every few seconds.
export const LabelStatsView = memo(function LabelStatsView({
  stats,
  testId = 'label-stats',
}: {
  stats: LabelStats;
  testId?: string;
}) {
  return (
    <div className="row" data-testid={testId}>
      <Histogram
        title={`teacher confidence (max prob), ${stats.crops} crops, mean ${stats.meanConfidence.toFixed(3)}`}
        bins={stats.confidence}
        label={(i) => (i / 20).toFixed(2)}
      />
      <Histogram title="entropy / log C" bins={stats.entropy} label={(i) => (i / 20).toFixed(2)} />
    </div>
  );
});

export async function blobToImageFile(blob: Blob): Promise<ImageFile> {
  const bmp = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  return bmpImageFile(ctx.getImageData(0, 0, c.width, c.height).data, c.width, c.height);
}

function top1(r: LabelRecord, c: number): { cls: number; p: number } {
  const q = recoverSoftLabel(recordEncodedLabel(r, c), r.spec);
  let best = 0;
  for (let j = 1; j < q.length; j++) if (q[j] > q[best]) best = j;
  return { cls: best, p: q[best] };
}

/** One image of a finished label set: all its boxes (coloured by top-1 class or confidence), click one for its crop and label. */
function ImageExplorer({
  labelSetId,
  datasetId,
  imageIndex,
}: {
  labelSetId: string;
  datasetId: string;
  imageIndex: number;
}) {
  const studio = useStudio();
  const [image, setImage] = useState<ImageFile | null>(null);
  const [record, setRecord] = useState<LabelRecord | null>(null);
  const [chosenCrop, setSelected] = useDraft<number>(EXPLORE_KEYS.crop, 0, isIndex);
  const [colourBy, setColourBy] = useState<'class' | 'confidence'>('class');
  const { data: dataset } = useStoreQuery((db) => getDataset(db, datasetId), [datasetId]);
  const names = useClassNamer(dataset);
  const mixOf = usePartnerMix(labelSetId, datasetId, record, blobToImageFile);
  useEffect(() => {
    let live = true;
    void (async () => {
      const bytes = await getLabelRecord(await openStudioDb(), labelSetId, imageIndex);
      const blob = await studio.teacher.api.imageBlob(datasetId, 'train', imageIndex);
      const file = await blobToImageFile(blob);
      if (live) {
        setRecord(bytes ? decodeLabelRecord(bytes) : null);
        setImage(file);
      }
    })();
    return () => {
      live = false;
    };
  }, [labelSetId, datasetId, imageIndex, studio]);
  if (!image || !record) return <p className="muted">Loading image {imageIndex}…</p>;
  const boxes = recordCropBoxes(record);
  // A shared link may name a crop this record does not have.
  const selected = Math.min(chosenCrop, record.numCrops - 1);
  const tops = boxes.map((_, c) => top1(record, c));
  const colour = (c: number) =>
    colourBy === 'class' ? boxColor(tops[c].cls) : `hsl(${Math.round(120 * tops[c].p)}, 80%, 45%)`;
  const size = 320;
  const scale = size / Math.max(image.width, image.height);
  const sel = recordEncodedLabel(record, selected);
  return (
    <div className="row" data-testid="image-explorer">
      <div>
        <div style={{ position: 'relative', width: image.width * scale, height: image.height * scale }}>
          <ImageWithBoxes image={image} boxes={[]} size={size} />
          <svg
            width={image.width * scale}
            height={image.height * scale}
            style={{ position: 'absolute', left: 0, top: 0, cursor: 'pointer' }}
            data-testid="explorer-boxes"
            onClick={(e) => {
              // Boxes overlap: a click picks the smallest box under the pointer.
              const r = e.currentTarget.getBoundingClientRect();
              const x = (e.clientX - r.left) / r.width;
              const y = (e.clientY - r.top) / r.height;
              let best = -1;
              boxes.forEach((b, c) => {
                const inside = x >= b.left && x <= b.left + b.width && y >= b.top && y <= b.top + b.height;
                if (inside && (best < 0 || b.width * b.height < boxes[best].width * boxes[best].height))
                  best = c;
              });
              if (best >= 0) setSelected(best);
            }}
          >
            {boxes.map((b, c) => (
              <rect
                key={c}
                data-testid="explorer-box"
                x={b.left * image.width * scale}
                y={b.top * image.height * scale}
                width={b.width * image.width * scale}
                height={b.height * image.height * scale}
                fill={c === selected ? 'rgba(255,255,255,0.15)' : 'none'}
                stroke={colour(c)}
                strokeWidth={c === selected ? 3 : 1}
                strokeDasharray={b.flip ? '4 3' : undefined}
              />
            ))}
          </svg>
        </div>
        <div className="muted">
          image {imageIndex} · crop{' '}
          <select aria-label="Crop" value={selected} onChange={(e) => setSelected(+e.target.value)}>
            {boxes.map((_, c) => (
              <option key={c} value={c}>
                {c + 1}
              </option>
            ))}
          </select>{' '}
          of {record.numCrops} · colour by{' '}
          <select
            aria-label="Colour boxes by"
            value={colourBy}
            onChange={(e) => setColourBy(e.target.value as 'class' | 'confidence')}
          >
            <option value="class">top-1 class</option>
            <option value="confidence">confidence (red low, green high)</option>
          </select>
        </div>
      </div>
      <div className="crop-card" style={{ width: 180 }} data-testid="explorer-crop">
        <CropView image={image} box={boxes[selected]} size={160} mix={mixOf(selected)} />
        {record.mix?.crops[selected] && (
          <div className="muted" style={{ fontSize: 11 }} data-testid="explorer-mix">
            {describeCropMix(record.mix.crops[selected])} (mixed before the teacher: the label is of this
            mixed crop)
          </div>
        )}
        <TopKBars
          title={`crop ${selected + 1}/${record.numCrops}${boxes[selected].flip ? ' (flipped)' : ''}`}
          topK={Array.from(sel.indices, (index, j) => ({ index, prob: sel.probs[j] }))}
          names={names}
        />
      </div>
    </div>
  );
}

export function LabelExplorer() {
  const studio = useStudio();
  const { data: sets } = useStoreQuery((db) => listLabelSets(db));
  const [chosen, setChosen] = useDraft(EXPLORE_KEYS.labelSet, '');
  const [stats, setStats] = useState<LabelStats | null>(null);
  const [imageIndex, setImageIndex] = useDraft<number | null>(
    EXPLORE_KEYS.image,
    null,
    (v) => v === null || isIndex(v),
  );
  const [error, setError] = useState<string | null>(null);
  const usable = (sets ?? []).filter((s) => s.imagesDone > 0);
  const set = usable.find((s) => s.id === chosen) ?? usable[0];
  if (!set) return null;
  return (
    <section className="panel">
      <h2>Label explorer</h2>
      <div className="row">
        <label className="field">
          Label set
          <select
            aria-label="Explore label set"
            value={set.id}
            onChange={(e) => (setChosen(e.target.value), setStats(null), setImageIndex(null))}
          >
            {usable.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button
          onClick={() =>
            void studio.teacher.api.labelStats(set.id).then(
              (s) => (setStats(s), setImageIndex(s.disagreement[0]?.imageIndex ?? null)),
              (e: unknown) => setError(String(e)),
            )
          }
        >
          Analyse
        </button>
        <label className="field">
          Image #
          <input
            aria-label="Explore image"
            type="number"
            min={0}
            max={set.imagesTotal - 1}
            value={imageIndex ?? ''}
            onChange={(e) => setImageIndex(+e.target.value)}
          />
        </label>
      </div>
      {error && <div className="banner error">{error}</div>}
      {stats && (
        <>
          <LabelStatsView stats={stats} />
          <h3>Images whose crops disagree most</h3>
          <div className="row" data-testid="disagreement">
            {stats.disagreement.slice(0, 12).map((d) => (
              <button
                key={d.imageIndex}
                onClick={() => setImageIndex(d.imageIndex)}
                title={`${(100 * d.disagreement).toFixed(0)}% of crops disagree with the majority`}
              >
                #{d.imageIndex} · {(100 * d.disagreement).toFixed(0)}%
              </button>
            ))}
          </div>
        </>
      )}
      {imageIndex !== null && imageIndex < set.imagesTotal && (
        <ImageExplorer labelSetId={set.id} datasetId={set.datasetId} imageIndex={imageIndex} />
      )}
    </section>
  );
}
