/**
 * Teachers the workers can load: the embedded default(s) shipped under public/models (described by a
 * teacher.json beside model.json), and teachers the user imported from a folder, whose model files are
 * kept in the store so they survive a reload without re-picking the folder.
 */
import { ensembleMemberIds, makeEnsemble } from '../models/ensemble';
import { loadTeacher, type Teacher, type TeacherConfig } from '../models/teacher';
import { loadTeacherFromArtifacts } from '../models/teacherArtifacts';
import { getModel, openStudioDb } from '../store';
import { siteUrl } from './datasets';

export const EMBEDDED_TEACHER_PREFIX = 'embedded:';

/** The teacher.json written by tools/embedded/trainTeacher.ts. */
export interface EmbeddedTeacherInfo {
  name: string;
  inputSize: [number, number, number];
  channels: 'grey' | 'rgb';
  normalisation: string;
  output: 'logits' | 'probabilities';
  numClasses: number;
  classNames?: string[];
  trainScale?: [number, number];
  testTop1?: number;
  testTop5?: number;
}

export function normalisationFrom(s: string): TeacherConfig['normalisation'] {
  if (s === 'imagenet' || s === 'unit' || s === 'symmetric') return s;
  if (s.includes('-1')) return 'symmetric';
  if (s.includes('mean') || s.toLowerCase().includes('imagenet')) return 'imagenet';
  return 'unit';
}

export async function embeddedTeacherInfo(folder: string): Promise<EmbeddedTeacherInfo> {
  const r = await fetch(siteUrl(`models/${folder}/teacher.json`));
  if (!r.ok) throw new Error(`embedded teacher "${folder}" not found (HTTP ${r.status})`);
  return (await r.json()) as EmbeddedTeacherInfo;
}

export function configFromEmbedded(id: string, info: EmbeddedTeacherInfo): TeacherConfig {
  return {
    id,
    name: info.name,
    inputSize: info.inputSize[0],
    channels: info.channels === 'grey' ? 1 : 3,
    channelOrder: 'rgb',
    normalisation: normalisationFrom(info.normalisation),
    output: info.output,
    numClasses: info.numClasses,
    classMapping: 'dataset',
  };
}

/** Loads a teacher by id; the caller disposes it. */
export async function openTeacher(
  teacherId: string,
): Promise<{ teacher: Teacher; scale?: [number, number] }> {
  const memberIds = ensembleMemberIds(teacherId);
  if (memberIds) {
    const opened: { teacher: Teacher; scale?: [number, number] }[] = [];
    try {
      for (const id of memberIds) opened.push(await openSingleTeacher(id));
      // The members label the same crops, so they share one scale range: the first member's.
      return {
        teacher: makeEnsemble(
          opened.map((o) => o.teacher),
          teacherId,
        ),
        scale: opened[0].scale,
      };
    } catch (e) {
      for (const o of opened) o.teacher.dispose();
      throw e;
    }
  }
  return openSingleTeacher(teacherId);
}

async function openSingleTeacher(teacherId: string): Promise<{ teacher: Teacher; scale?: [number, number] }> {
  if (teacherId.startsWith(EMBEDDED_TEACHER_PREFIX)) {
    const folder = teacherId.slice(EMBEDDED_TEACHER_PREFIX.length);
    const info = await embeddedTeacherInfo(folder);
    const teacher = await loadTeacher(
      siteUrl(`models/${folder}/model.json`),
      configFromEmbedded(teacherId, info),
    );
    return { teacher, scale: info.trainScale };
  }
  const db = await openStudioDb();
  const rec = await getModel(db, teacherId);
  if (!rec) throw new Error(`teacher ${teacherId} is not in the model library`);
  if (!rec.artifacts)
    throw new Error(`teacher "${rec.name}" has no stored model files: import its folder again`);
  const teacher = await loadTeacherFromArtifacts(rec.artifacts, { ...rec.config, id: rec.id });
  return { teacher };
}
