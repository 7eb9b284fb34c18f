/**
 * Pretrained students (Fast MEAL V2 starts from one): kept in the model library as tfjs Layers files,
 * from a user's folder or from a run of this studio; checked against the student the Train form
 * describes before any work; loaded into a run's fresh student at step 0 and evaluated there, the
 * "before" its fine-tuning is compared with.
 */
import { describeMatch, matchBlocker, matchWeights } from '../core/weightMatch';
import { saveModelArtifacts } from '../engine/weights';
import {
  checkWeightBytes,
  loadPretrained,
  modelWeightShapes,
  storedClassCount,
  storedWeightShapes,
} from '../models/pretrained';
import { buildStudent } from '../models/students';
import { readArtifactsFromFiles, type StoredArtifacts } from '../models/teacherArtifacts';
import type { TrainConfig } from '../core/recipe';
import { getModel, getRun, openStudioDb, patchRun, putModel, type ModelRecord } from '../store';
import type { BeforeEval, PretrainedCheck, StudentImport } from './api';
import { evaluateItems } from './evaluate';
import { restoreLatest } from './checkpoint';
import { TrainSession } from './session';

const newId = () => `student:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}`;

/** The stored files of a library student, or a clear error. */
async function studentArtifacts(modelId: string): Promise<{ rec: ModelRecord; a: StoredArtifacts }> {
  const rec = await getModel(await openStudioDb(), modelId);
  if (!rec?.artifacts) throw new Error('the pretrained student is no longer in the model library');
  return { rec, a: rec.artifacts };
}

/** The input size and channels model.json declares, where it does (a Layers model's first layer). */
function declaredInput(topology: unknown): { inputSize?: number; channels?: 1 | 3 } {
  const t = topology as { config?: { layers?: { config?: { batch_input_shape?: unknown[] } }[] } };
  const shape = t?.config?.layers?.[0]?.config?.batch_input_shape;
  if (!Array.isArray(shape) || shape.length !== 4) return {};
  const c = shape[3];
  return {
    inputSize: typeof shape[1] === 'number' ? shape[1] : undefined,
    channels: c === 1 || c === 3 ? c : undefined,
  };
}

async function store(
  name: string,
  a: StoredArtifacts,
  source: ModelRecord['source'],
  student: ModelRecord['student'],
  config: Partial<Pick<ModelRecord['config'], 'inputSize' | 'channels' | 'normalisation'>>,
): Promise<string> {
  const id = newId();
  const input = declaredInput(a.modelTopology);
  await putModel(await openStudioDb(), {
    id,
    name,
    kind: 'student',
    source,
    student,
    createdAt: Date.now(),
    config: {
      id,
      name,
      inputSize: config.inputSize ?? input.inputSize ?? 0,
      channels: config.channels ?? input.channels ?? 3,
      channelOrder: 'rgb',
      normalisation: config.normalisation ?? 'unit',
      output: 'logits',
      numClasses: storedClassCount(a) ?? 0,
      classMapping: 'dataset',
    },
    artifacts: { modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData },
  });
  return id;
}

/** A folder's model.json + shards into the library, after checking its weights decode as listed. */
export async function importStudentFiles(spec: StudentImport): Promise<string> {
  const a = await readArtifactsFromFiles(spec.files);
  checkWeightBytes(a);
  const student = spec.arch ? { arch: spec.arch, width: spec.width } : undefined;
  return store(spec.name, a, 'folder', student, {});
}

/** A run's latest checkpoint as tfjs Layers files (what Export student writes). */
export async function runStudentArtifacts(runId: string): Promise<StoredArtifacts> {
  const run = await getRun(await openStudioDb(), runId);
  if (!run) throw new Error(`run ${runId} not found`);
  const s = await TrainSession.open({ ...run.config, method: 'vanilla' });
  try {
    if ((await restoreLatest(runId, s, false)) === 0) throw new Error('this run has no checkpoint yet');
    const a = await saveModelArtifacts(s.model);
    return {
      modelTopology: a.modelTopology,
      weightSpecs: a.weightSpecs,
      weightData: a.weightData as ArrayBuffer,
      format: a.format,
    };
  } finally {
    s.dispose();
  }
}

/** A run's student into the model library, with the architecture it was trained as. */
export async function saveRunStudent(runId: string): Promise<string> {
  const run = await getRun(await openStudioDb(), runId);
  if (!run) throw new Error(`run ${runId} not found`);
  const a = await runStudentArtifacts(runId);
  const c = run.config;
  return store(run.name, a, 'run', { arch: c.arch, width: c.width, fromRun: runId }, c);
}

/** How the library student fits the described student: the Train form lists it before Start. */
export async function checkPretrained(
  modelId: string,
  cfg: Pick<TrainConfig, 'arch' | 'inputSize' | 'channels' | 'width'> & { numClasses: number },
): Promise<PretrainedCheck> {
  const { a } = await studentArtifacts(modelId);
  const model = buildStudent(cfg.arch, { ...cfg, seed: 0 });
  try {
    const m = matchWeights(storedWeightShapes(a), modelWeightShapes(model));
    return {
      lines: describeMatch(m),
      blocker: matchBlocker(m),
      loaded: m.mapped.length,
      missing: m.missing.length,
      extra: m.extra.length,
      shapeDiffers: m.shapeDiffers.length,
      headReplaced: m.headReplaced,
    };
  } finally {
    model.dispose();
  }
}

/**
 * A fresh run's student takes the pretrained weights and is evaluated on the run's val images before
 * step 0; both are kept with the run.
 */
export async function startFromPretrained(
  runId: string,
  s: TrainSession,
  signal: AbortSignal,
): Promise<BeforeEval> {
  const { a } = await studentArtifacts(s.cfg.pretrainedId!);
  const match = loadPretrained(s.model, a);
  const r = await evaluateItems(
    s.trainer,
    s.reader,
    s.valItems,
    { ...s.cfg, numClasses: s.numClasses },
    signal,
  );
  const before: BeforeEval = { top1: r.top1, top5: r.top5, loss: r.loss, images: r.images, time: Date.now() };
  await patchRun(await openStudioDb(), runId, { before, pretrainedMatch: describeMatch(match) });
  return before;
}
