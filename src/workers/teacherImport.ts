/**
 * Importing a user's TensorFlow.js model (Layers or Graph) as a teacher: read model.json + shards,
 * validate it against the class count it is meant for (output width, input shape, a finite output on
 * one crop) BEFORE any work, then keep its files in the store so it survives a reload.
 */
import type { TeacherConfig } from '../core/recipe';
import type { TeacherImport } from './api';
import { validateTeacher } from '../models/teacher';
import { loadTeacherFromArtifacts, readArtifactsFromFiles } from '../models/teacherArtifacts';
import { openStudioDb, putModel } from '../store';

export async function importTeacherFiles(spec: TeacherImport): Promise<{ id: string; warnings: string[] }> {
  const artifacts = await readArtifactsFromFiles(spec.files);
  const id = `teacher:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}`;
  const config: TeacherConfig = { ...spec.config, id, name: spec.name };
  const teacher = await loadTeacherFromArtifacts(artifacts, config);
  try {
    const check = await validateTeacher(teacher, config.numClasses);
    if (!check.ok) throw new Error(`this model cannot be the teacher: ${check.errors.join('; ')}`);
  } finally {
    teacher.dispose();
  }
  const db = await openStudioDb();
  await putModel(db, {
    id,
    name: spec.name,
    kind: 'teacher',
    source: 'folder',
    config,
    createdAt: Date.now(),
    artifacts: {
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs,
      weightData: artifacts.weightData,
    },
  });
  return { id, warnings: [] };
}
