import { useState } from 'react';
import type { TeacherConfig } from '../../core/recipe';
import { jobStore } from '../jobStore';
import { useStudio } from '../studio';
import { NumberField } from '../components/NumberField';

type Config = Omit<TeacherConfig, 'id' | 'name'>;

/** Any TensorFlow.js model (Layers or Graph) from a local folder, with how to feed it and read it. */
export function TeacherImport() {
  const studio = useStudio();
  const [files, setFiles] = useState<File[]>([]);
  const [name, setName] = useState('');
  const [cfg, setCfg] = useState<Config>({
    inputSize: 224,
    channels: 3,
    channelOrder: 'rgb',
    normalisation: 'imagenet',
    output: 'logits',
    numClasses: 1000,
    classMapping: 'imagenet1000',
  });
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (p: Partial<Config>) => setCfg({ ...cfg, ...p });

  async function importIt() {
    setBusy(true);
    setStatus(null);
    try {
      await studio.teacher.api.importTeacher({
        name: name || files[0]?.webkitRelativePath.split('/')[0] || 'teacher',
        files,
        config: cfg,
      });
      setStatus({ ok: true, text: 'Teacher validated and added to the library.' });
      jobStore.bumpStore();
    } catch (e) {
      setStatus({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel">
      <h2>Import a teacher</h2>
      <p className="muted">
        Pick the folder holding a TensorFlow.js <code>model.json</code> and its weight shards (Layers or Graph
        model). It is checked before any work: output width against the class count, input shape, a finite
        output on one crop.
      </p>
      <div className="row">
        <label className="field">
          Model folder
          <input
            aria-label="Teacher folder"
            type="file"
            webkitdirectory=""
            multiple
            onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
          />
        </label>
        <label className="field">
          Name
          <input aria-label="Teacher name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <NumberField
          label="Input size"
          aria="Teacher input size"
          value={cfg.inputSize}
          onChange={(v) => set({ inputSize: v })}
        />
        <label className="field">
          Channels
          <select
            aria-label="Teacher channels"
            value={cfg.channels}
            onChange={(e) => set({ channels: +e.target.value as 1 | 3 })}
          >
            <option value={3}>RGB (3)</option>
            <option value={1}>grey (1)</option>
          </select>
        </label>
        <label className="field">
          Channel order
          <select
            aria-label="Channel order"
            value={cfg.channelOrder}
            onChange={(e) => set({ channelOrder: e.target.value as 'rgb' | 'bgr' })}
          >
            <option value="rgb">RGB</option>
            <option value="bgr">BGR</option>
          </select>
        </label>
        <label className="field">
          Normalisation
          <select
            aria-label="Normalisation"
            value={cfg.normalisation}
            onChange={(e) => set({ normalisation: e.target.value as Config['normalisation'] })}
          >
            <option value="imagenet">ImageNet mean/std</option>
            <option value="unit">[0, 1]</option>
            <option value="symmetric">[-1, 1]</option>
          </select>
        </label>
        <label className="field">
          Output
          <select
            aria-label="Output kind"
            value={cfg.output}
            onChange={(e) => set({ output: e.target.value as Config['output'] })}
          >
            <option value="logits">logits</option>
            <option value="probabilities">probabilities</option>
          </select>
        </label>
        <label className="field">
          Classes
          <select
            aria-label="Class mapping"
            value={cfg.classMapping}
            onChange={(e) => {
              const m = e.target.value as Config['classMapping'];
              set({ classMapping: m, numClasses: m === 'imagenet1000' ? 1000 : cfg.numClasses });
            }}
          >
            <option value="imagenet1000">ImageNet 1000-class order</option>
            <option value="dataset">the dataset's own classes</option>
          </select>
        </label>
        {cfg.classMapping === 'dataset' && (
          <NumberField
            label="Class count"
            aria="Teacher classes"
            value={cfg.numClasses}
            onChange={(v) => set({ numClasses: v })}
          />
        )}
      </div>
      <p>
        <button className="primary" disabled={busy || files.length === 0} onClick={() => void importIt()}>
          {busy ? 'Validating…' : 'Import teacher'}
        </button>{' '}
        <span className="muted">{files.length ? `${files.length} files chosen` : ''}</span>
      </p>
      {status && (
        <div
          className={`banner ${status.ok ? 'info' : 'error'}`}
          role={status.ok ? 'status' : 'alert'}
          data-testid="teacher-import-status"
        >
          {status.text}
        </div>
      )}
    </section>
  );
}
