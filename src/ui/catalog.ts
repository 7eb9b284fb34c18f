/** Lists the UI needs in several views: datasets, teachers (embedded + imported), class names. */
import { useEffect, useMemo, useState } from 'react';
import { isIndexed, listDatasets, listModelSummaries, type Dataset } from '../store';
import { loadManifest } from './embedded';
import { classNameLookup, type NamedClass } from '../core/classNames';
import { parseClassList } from '../core/classes';
import { useStoreQuery } from './useStore';

export interface TeacherOption {
  id: string;
  name: string;
  numClasses: number;
  inputSize: number;
  channels: 1 | 3;
  normalisation: 'imagenet' | 'unit' | 'symmetric';
  trainScale?: [number, number];
  testTop1?: number;
  /** Output class names, where the teacher says (embedded teachers do). */
  classNames?: string[];
  embedded: boolean;
}

interface EmbeddedTeacherJson {
  name: string;
  inputSize: [number, number, number];
  channels: 'grey' | 'rgb';
  normalisation: string;
  numClasses: number;
  trainScale?: [number, number];
  testTop1?: number;
  classNames?: string[];
}

let embeddedTeachers: Promise<TeacherOption[]> | null = null;

function loadEmbeddedTeachers(): Promise<TeacherOption[]> {
  embeddedTeachers ??= loadManifest().then(async (m) => {
    const folders = [
      ...new Set(
        [...(m.teachers ?? []), ...m.datasets.map((d) => d.defaultTeacher)].filter(
          (f): f is string => typeof f === 'string',
        ),
      ),
    ];
    const out: TeacherOption[] = [];
    for (const path of folders) {
      const folder = path.replace(/^models\//, '').replace(/\/$/, '');
      const r = await fetch(new URL(`models/${folder}/teacher.json`, location.href));
      if (!r.ok) continue;
      const t = (await r.json()) as EmbeddedTeacherJson;
      out.push({
        id: `embedded:${folder}`,
        name: `${t.name} (embedded)`,
        numClasses: t.numClasses,
        inputSize: t.inputSize[0],
        channels: t.channels === 'grey' ? 1 : 3,
        normalisation: t.normalisation.includes('-1')
          ? 'symmetric'
          : t.normalisation.includes('mean')
            ? 'imagenet'
            : 'unit',
        trainScale: t.trainScale,
        testTop1: t.testTop1,
        classNames: t.classNames,
        embedded: true,
      });
    }
    return out;
  });
  return embeddedTeachers;
}

export function useTeachers(): TeacherOption[] {
  const [embedded, setEmbedded] = useState<TeacherOption[]>([]);
  useEffect(() => {
    void loadEmbeddedTeachers().then(setEmbedded, () => setEmbedded([]));
  }, []);
  const { data: imported } = useStoreQuery((db) => listModelSummaries(db, 'teacher'));
  const mine: TeacherOption[] = (imported ?? []).map(({ id, name, config: c }) => ({
    id,
    name,
    numClasses: c.numClasses,
    inputSize: c.inputSize,
    channels: c.channels,
    normalisation: c.normalisation,
    embedded: false,
  }));
  return [...embedded, ...mine];
}

/**
 * Whether a teacher's outputs name the dataset's classes: false only when both name them and the names
 * differ (a Fashion-MNIST teacher has 10 outputs, as the 10-class ImageNet photo set has 10 classes).
 */
export function namesMatch(teacher: TeacherOption, dataset: Pick<Dataset, 'classes'>): boolean {
  const names = teacher.classNames;
  if (!names || dataset.classes.length !== names.length) return true;
  const norm = (s: string) => s.trim().toLowerCase();
  return dataset.classes.every((c) => norm(names[c.index] ?? '') === norm(c.name));
}

/**
 * The teachers that can label a dataset (as many outputs as it has classes), those made for its
 * classes first: the forms' default is the first one.
 */
export function teachersFor(
  teachers: TeacherOption[],
  dataset: Pick<Dataset, 'numClasses' | 'classes'> | undefined,
): TeacherOption[] {
  if (!dataset) return teachers;
  const fit = teachers.filter((t) => t.numClasses === dataset.numClasses);
  return [...fit.filter((t) => namesMatch(t, dataset)), ...fit.filter((t) => !namesMatch(t, dataset))];
}

/** Datasets ready to use: one whose index is being built or was cancelled is only in the Data view. */
export function useDatasets(): Dataset[] {
  return useStoreQuery((db) => listDatasets(db)).data?.filter(isIndexed) ?? [];
}

export function classNamer(ds: Dataset | undefined, imagenet?: NamedClass[]): (i: number) => string {
  return classNameLookup(ds?.classes ?? [], ds?.numClasses ?? 0, imagenet);
}

let imagenetNames: Promise<NamedClass[]> | null = null;
/** The shipped ImageNet-1k class list (public/imagenet-classes.json), fetched once from this site. */
function loadImagenetNames(): Promise<NamedClass[]> {
  imagenetNames ??= fetch(new URL('imagenet-classes.json', location.href))
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((json: unknown) => parseClassList(json));
  return imagenetNames;
}

/** classNamer, with ImageNet names for all 1000 outputs when the dataset uses that order. */
export function useClassNamer(ds: Dataset | undefined): (i: number) => string {
  const [imagenet, setImagenet] = useState<NamedClass[] | undefined>(undefined);
  const wants = ds?.numClasses === 1000;
  useEffect(() => {
    if (wants) void loadImagenetNames().then(setImagenet, () => setImagenet(undefined));
  }, [wants]);
  // One function per dataset and name list, so memoised views that take it skip re-rendering.
  return useMemo(() => classNamer(ds, wants ? imagenet : undefined), [ds, wants, imagenet]);
}
