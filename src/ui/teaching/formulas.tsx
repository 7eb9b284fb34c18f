/**
 * The formulas the studio implements, each rendered next to the control or chart it explains. The
 * numbers in them are the user's current settings, so a lecturer can point at what changes.
 */
import type { Pass } from '../../core/schedule';
import { passesFor, type TrainConfig } from '../../workers/trainConfig';
import { Explain } from '../components/Explain';
import { Formula } from '../components/Formula';

/** FKD's loss (core/softCrossEntropy.ts): soft cross-entropy of the student at temperature T. */
export function SoftCeExplain({ temperature }: { temperature: number }) {
  return (
    <Explain summary="Loss: soft cross-entropy with temperature" testId="explain-softce">
      <Formula
        display
        tex={String.raw`\mathcal{L} = -\frac{1}{B}\sum_{n=1}^{B}\sum_{c=1}^{C} q_{n,c}\,\log\operatorname{softmax}\!\left(\frac{z_n}{T}\right)_{c}`}
      />
      <p>
        <Formula tex="z_n" /> are the student&apos;s logits for crop <Formula tex="n" /> of the batch of{' '}
        <Formula tex="B" /> crops, <Formula tex="q_n" /> the teacher&apos;s soft label stored for that crop
        (its temperature is baked in when the labels are made). <Formula tex={`T = ${temperature}`} /> divides
        only the student&apos;s logits; there is no <Formula tex="T^2" /> factor and no hard-label term.
        Vanilla training is the same loss with a one-hot <Formula tex="q" />; online KD computes{' '}
        <Formula tex="q" /> with the teacher on every step instead of reading it.
      </p>
    </Explain>
  );
}

/** How a stored top-k label becomes a full distribution again (core/softLabel.ts recoverSoftLabel). */
export function RecoveryExplain({ codec, k }: { codec: string; k: number }) {
  return (
    <Explain summary="How a compressed label is recovered for training" testId="explain-recovery">
      <p>
        Marginal smoothing (MS) top-
        <Formula tex="k" /> stores the teacher&apos;s <Formula tex="k" /> largest probabilities{' '}
        <Formula tex="p_c,\ c\in K" /> and spreads what they leave out evenly over the other{' '}
        <Formula tex="C-k" /> classes:
      </p>
      <Formula
        display
        tex={String.raw`q_c = \begin{cases} p_c & c \in K \\[2pt] \dfrac{1-\sum_{j\in K} p_j}{C-k} & c \notin K \end{cases}`}
      />
      <p>
        Marginal renormalisation (MR) gives the left-out classes 0 and rescales the kept ones,{' '}
        <Formula tex={String.raw`q_c = p_c / \sum_{j\in K} p_j`} />; label smoothing is MS with{' '}
        <Formula tex="k=1" />; hard is one-hot. {codec.endsWith('TopK') ? `This form stores k = ${k}.` : ''}{' '}
        The storage-vs-fidelity explorer below measures what each choice costs.
      </p>
    </Explain>
  );
}

function describePasses(passes: Pass[]): string {
  const multi = passes.filter((p) => p.cropsPerImage > 1);
  const single = passes.filter((p) => p.cropsPerImage === 1);
  const parts: string[] = [];
  if (multi.length)
    parts.push(
      `${multi.length} pass${multi.length > 1 ? 'es' : ''} of ${multi[0].cropsPerImage} crops per image ` +
        `(epochs ${multi.map((p) => p.epoch).join(', ')})`,
    );
  if (single.length)
    parts.push(
      `${single.length} single-crop epoch${single.length > 1 ? 's' : ''} (${single.map((p) => p.epoch).join(', ')})`,
    );
  return parts.join(', then ');
}

function scheduleSummary(cfg: Omit<TrainConfig, 'method'>, numImages?: number): string {
  if (!numImages) return '';
  try {
    return describePasses(passesFor({ ...cfg, method: 'fkd' }, numImages));
  } catch (e) {
    return `(no schedule for these settings: ${e instanceof Error ? e.message : String(e)})`;
  }
}

/** FKD's pass schedule (core/schedule.ts): one pass reads each image once and counts numCrops epochs. */
export function PassScheduleExplain({
  cfg,
  numImages,
}: {
  cfg: Omit<TrainConfig, 'method'>;
  numImages?: number;
}) {
  const summary = scheduleSummary(cfg, numImages);
  return (
    <Explain summary="Pass schedule: why the epoch jumps by numCrops" testId="explain-schedule">
      <p>
        A pass decodes every image once and trains on <Formula tex="n" /> = numCrops of its stored crops, so
        it is worth <Formula tex="n" /> epochs of crops and the epoch counter advances by <Formula tex="n" />;
        a step still holds <Formula tex="b" /> crops, i.e. <Formula tex={String.raw`\lceil b/n \rceil`} />{' '}
        images. The last epochs, where fewer than <Formula tex="n" /> remain, run one crop per image:
      </p>
      <Formula
        display
        tex={String.raw`e \leftarrow e + n \quad\text{while } e < E - n, \qquad\text{then single-crop epochs } e, \dots, E-1`}
      />
      {summary && (
        <p data-testid="schedule-summary">
          With E = {cfg.epochs}, n = {cfg.numCrops}: {summary}.
        </p>
      )}
    </Explain>
  );
}

/** The speed arithmetic behind the speed table (core/pipelineModel.ts). */
export function SpeedExplain() {
  return (
    <Explain summary="Speed arithmetic: why FKD is faster" testId="explain-speed">
      <p>
        Per crop, training costs the student&apos;s step <Formula tex="c" />, and every decoded image costs{' '}
        <Formula tex="d" />. Vanilla decodes one image per crop; FKD decodes once per <Formula tex="n" />{' '}
        crops and reads a stored label instead of running the teacher; online KD adds the teacher&apos;s
        forward <Formula tex="t" /> to every crop. When decoding and training share the CPU:
      </p>
      <Formula
        display
        tex={String.raw`\text{vanilla: } c + d \qquad \text{FKD: } c + \frac{d}{n} \qquad \text{online KD: } c + d + t`}
      />
      <p>
        With decoding beside a GPU the costs overlap: <Formula tex={String.raw`\max(c, d/n)`} /> for FKD
        against <Formula tex={String.raw`\max(c, d)`} />. FKD&apos;s teacher ran once, when the labels were
        made, which is why it needs no teacher at training time.
      </p>
    </Explain>
  );
}

/** The Train form's two formulas, under its fields (temperature, epochs, numCrops). */
export function TrainFormulas({ cfg, numImages }: { cfg: Omit<TrainConfig, 'method'>; numImages?: number }) {
  return (
    <div className="row explain-row">
      <SoftCeExplain temperature={cfg.temperature} />
      <PassScheduleExplain cfg={cfg} numImages={numImages} />
    </div>
  );
}
