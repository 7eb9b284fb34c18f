/**
 * Teacher ensembles (as Fast MEAL V2 distils from): several teachers label the SAME crops and the
 * stored soft label is the mean of their tempered softmaxes, mean_i softmax(z_i / T). Averaging
 * probabilities, not logits, keeps each member's calibration (a confident member cannot drown the
 * others by logit scale) and is what MEAL V2 does. Members keep their own input size, channel order
 * and normalisation: the engine crops the image once per distinct input config (engine/teacherStep).
 * Its id format lives in core/ensembleId.ts (pure: the UI and the recipes use it).
 */
import * as tf from '@tensorflow/tfjs';
import { ensembleTeacherId } from '../core/ensembleId';
import type { Teacher, TeacherConfig } from './teacher';

export { ENSEMBLE_PREFIX, ensembleMemberIds, ensembleTeacherId } from '../core/ensembleId';

/** True when two configs crop identically (same size, channels, order, normalisation). */
export function sameInput(a: TeacherConfig, b: TeacherConfig): boolean {
  return (
    a.inputSize === b.inputSize &&
    a.channels === b.channels &&
    a.channelOrder === b.channelOrder &&
    a.normalisation === b.normalisation
  );
}

/** A Teacher whose distribution is the mean of its members'. Takes ownership: dispose() frees them all. */
export function makeEnsemble(members: Teacher[], id?: string): Teacher {
  if (members.length < 2) throw new Error('an ensemble needs at least two teachers');
  const first = members[0].config;
  for (const m of members.slice(1)) {
    if (m.config.numClasses !== first.numClasses || m.config.classMapping !== first.classMapping) {
      throw new Error(
        `ensemble members disagree on their classes: "${first.name}" has ${first.numClasses} ` +
          `(${first.classMapping}), "${m.config.name}" has ${m.config.numClasses} (${m.config.classMapping})`,
      );
    }
  }
  const config: TeacherConfig = {
    ...first,
    id: id ?? ensembleTeacherId(members.map((m) => m.config.id)),
    name: `Ensemble (${members.map((m) => m.config.name).join(' + ')})`,
    // The largest member input: what sizes the engine's batches (memory) and what the UI shows.
    inputSize: Math.max(...members.map((m) => m.config.inputSize)),
    channels: members.some((m) => m.config.channels === 3) ? 3 : 1,
  };
  const shared = members.every((m) => sameInput(m.config, first));
  return {
    config,
    kind: members[0].kind,
    inputShape: members[0].inputShape,
    members,
    /**
     * Only for crops already made for the members' common input (the engine crops per member when they
     * differ). log of the mean probability: softmax(log p) = p, so the T = 1 distribution is exact.
     */
    predictLogits(x) {
      if (!shared)
        throw new Error('ensemble members take different inputs: crop for each member (teacherStep)');
      return tf.tidy(() => {
        const probs = members.map((m) => tf.softmax(m.predictLogits(x)));
        return tf.log(tf.maximum(tf.div(tf.addN(probs), members.length), 1e-12)) as tf.Tensor2D;
      });
    },
    dispose() {
      for (const m of members) m.dispose();
    },
  };
}
