import { useEffect, useState } from 'react';
import { describeSubset, planLabels, type PlanRate } from '../../core/labelPlan';
import type { LabelSubset } from '../../core/labelSettings';
import type { Codec, Precision } from '../../core/softLabel';
import { liveImages, requestPersistence, storageEstimate, type Dataset, type LabelSet } from '../../store';
import type { PlanProbeResult } from '../../workers/api';
import { ErrorBanner } from '../components/ErrorBanner';
import { formatBytes, formatCount, formatDuration } from '../format';
import { useStudio } from '../studio';
import { ProbeQueue } from '../probeQueue';
import { guarded } from '../workers';

type Estimate = Awaited<ReturnType<typeof storageEstimate>>;

/** Probes asked for this session, by dataset, teacher and crops per image (a probe labels images). */
const probes = new ProbeQueue<PlanProbeResult>();
/** How long the form must stay unchanged before a new probe is asked for (typing "64" is not "6"). */
const PROBE_SETTLE_MS = 400;

const PROBE_IMAGES = 12;
/** The probe's crops per image: enough to time the teacher, few enough to answer in seconds. */
const PROBE_MAX_CROPS = 32;

export interface LabelPlanProps {
  dataset: Dataset;
  /** The labeller (a teacher or an ensemble id) and its class count. */
  teacherId: string;
  numClasses: number;
  numCrops: number;
  codec: Codec;
  k: number;
  precision: Precision;
  subset?: LabelSubset;
  sets: readonly LabelSet[];
  onSubset: (s: LabelSubset) => void;
}

/** The latest generation rate this labeller measured (any dataset: the teacher's cost dominates). */
function measuredRate(sets: readonly LabelSet[], teacherId: string): PlanRate | undefined {
  const last = sets
    .filter((s) => s.teacherId === teacherId && s.rate && s.rate.cropsPerSec > 0)
    .sort((a, b) => b.rate!.at - a.rate!.at)[0];
  if (!last?.rate) return undefined;
  return {
    cropsPerSec: last.rate.cropsPerSec,
    source: `measured by "${last.name}" (${formatCount(last.rate.images)} images at ${last.rate.numCrops} crops)`,
  };
}

/** The plan before generation: storage, time at this machine's rate, the quota verdict and subsets. */
export function LabelPlan(p: LabelPlanProps) {
  const studio = useStudio();
  const [probe, setProbe] = useState<{ key: string; r: PlanProbeResult } | null>(null);
  const [probeError, setProbeError] = useState<string | null>(null);
  const [est, setEst] = useState<Estimate | undefined>(undefined);
  const [asked, setAsked] = useState<boolean | null>(null);
  const probeCrops = Math.min(p.numCrops, PROBE_MAX_CROPS);
  const key = `${p.dataset.id}|${p.teacherId}|${probeCrops}`;

  useEffect(() => {
    void storageEstimate().then(setEst);
  }, [asked, p.sets]);

  useEffect(() => {
    let live = true;
    const ask = () => {
      const api = studio.teacher.api;
      const pending = probes.get(key, () =>
        guarded(studio.teacher, api.planProbe(p.dataset.id, p.teacherId, probeCrops, PROBE_IMAGES)),
      );
      pending.then(
        (r) => live && (setProbe({ key, r }), setProbeError(null)),
        (e: unknown) => live && setProbeError(`could not probe the teacher: ${String(e)}`),
      );
    };
    // A key probed before answers at once; a new one waits for the form to settle.
    const timer = probes.has(key) ? (ask(), undefined) : setTimeout(ask, PROBE_SETTLE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, studio, p.dataset.id, p.teacherId, probeCrops]);

  const r = probe?.key === key ? probe.r : undefined;
  const rate =
    measuredRate(p.sets, p.teacherId) ??
    (r && r.cropsPerSec > 0
      ? {
          cropsPerSec: r.cropsPerSec,
          source: `a probe of ${r.sizes.length} images at ${probeCrops} crops just now`,
        }
      : undefined);
  const plan = planLabels({
    trainImages: liveImages(p.dataset, 'train'),
    spec: {
      codec: p.codec,
      k: p.codec.endsWith('TopK') ? p.k : 1,
      precision: p.precision,
      numClasses: p.numClasses,
    },
    numCrops: p.numCrops,
    subset: p.subset,
    sizes: r?.sizes ?? [],
    rate,
    storage: est,
  });
  const about = plan.imagesBasis === 'exact' ? '' : plan.imagesBasis === 'atMost' ? 'at most ' : 'about ';

  return (
    <div className="plan" data-testid="label-plan" aria-live="polite">
      <h3>Plan</h3>
      <p>
        {describeSubset(p.subset)}: {about}
        <strong data-testid="plan-images">{formatCount(plan.images)}</strong> images ×{' '}
        {formatCount(p.numCrops)} crops. Storage:{' '}
        <strong data-testid="plan-bytes">{formatBytes(plan.storeBytes)}</strong> (
        {formatBytes(plan.recordBytes)} per image
        {r ? `, box fields sized on ${r.sizes.length} sampled images` : ', sizing a sample of images…'}).
        Time:{' '}
        <strong data-testid="plan-time">
          {plan.seconds === undefined ? 'measuring…' : formatDuration(plan.seconds)}
        </strong>
        {plan.rateSource && ` at ${Math.round(rate!.cropsPerSec)} crops/s, ${plan.rateSource}`}.
      </p>
      <p data-testid="plan-quota">
        {est === undefined
          ? 'Checking the storage quota…'
          : plan.fits === 'unknown'
            ? 'This browser does not report its storage quota.'
            : plan.fits === 'yes'
              ? `Fits: ${formatBytes(plan.free!)} of quota free.`
              : `Does not fit: ${formatBytes(plan.free!)} of quota free, enough for about ${formatCount(plan.fitImages ?? 0)} images.`}
        {plan.askPersist && (
          <>
            {' '}
            Storage is not persistent, so the browser may evict this set under pressure.{' '}
            <button onClick={() => void requestPersistence().then(setAsked)}>
              Ask for persistent storage
            </button>
            {asked === false && <span className="muted"> The browser declined.</span>}
          </>
        )}
      </p>
      {plan.suggestions.length > 0 && (
        <p>
          Subsets that fit:{' '}
          {plan.suggestions.map((s) => (
            <button key={s.kind} onClick={() => p.onSubset(s)}>
              {describeSubset(s)}
            </button>
          ))}
        </p>
      )}
      <ErrorBanner error={probeError} />
    </div>
  );
}
