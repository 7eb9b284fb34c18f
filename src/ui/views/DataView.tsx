import { useEffect, useState } from 'react';
import { itemUrl, loadManifest, type ManifestDataset } from '../embedded';
import { formatBytes } from '../format';
import { FolderDatasets } from '../components/FolderDatasets';
import { ErrorBanner } from '../components/ErrorBanner';

function classCounts(ds: ManifestDataset) {
  const counts = ds.classes.map(() => ({ train: 0, val: 0 }));
  for (const split of ['train', 'val'] as const) {
    if (ds.splits) for (const it of ds.splits[split]) counts[it.classIndex][split]++;
  }
  return counts;
}

function totals(ds: ManifestDataset) {
  if (ds.splits) return { train: ds.splits.train.length, val: ds.splits.val.length };
  const sum = (s: { samples: number }[] = []) => s.reduce((a, b) => a + b.samples, 0);
  return { train: sum(ds.shards?.train), val: sum(ds.shards?.val) };
}

function EmbeddedDataset({ ds }: { ds: ManifestDataset }) {
  const [open, setOpen] = useState<number | null>(null);
  const counts = classCounts(ds);
  const t = totals(ds);
  return (
    <section className="panel" data-testid={`dataset-${ds.id}`}>
      <h2>{ds.name}</h2>
      <p className="muted">
        {ds.description} · layout <strong>{ds.layout}</strong> · {ds.numClasses} classes ·{' '}
        <span data-testid="count-train">{t.train}</span> train / <span data-testid="count-val">{t.val}</span>{' '}
        val
        {ds.shards &&
          ` · ${ds.shards.train.length + ds.shards.val.length} shards, ${formatBytes(
            [...ds.shards.train, ...ds.shards.val].reduce((a, s) => a + s.bytes, 0),
          )}`}
        {ds.license && ` · ${ds.license}`}
      </p>
      {ds.splits && (
        <table className="grid">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>class</th>
              <th className="num">train</th>
              <th className="num">val</th>
              <th>thumbnails</th>
            </tr>
          </thead>
          <tbody>
            {ds.classes.map((c) => (
              <tr key={c.index} data-testid="class-row">
                <td className="num">{c.index}</td>
                <td>
                  {c.name}
                  {c.wnid && <span className="muted"> {c.wnid}</span>}
                </td>
                <td className="num">{counts[c.index].train}</td>
                <td className="num">{counts[c.index].val}</td>
                <td>
                  <div className="thumbs">
                    {ds
                      .splits!.train.filter((it) => it.classIndex === c.index)
                      .slice(0, open === c.index ? 48 : 6)
                      .map((it) => (
                        <img
                          key={it.path}
                          loading="lazy"
                          src={itemUrl(ds, it.path)}
                          alt={`${c.name} ${it.path}`}
                        />
                      ))}
                    {counts[c.index].train > 6 && (
                      <button onClick={() => setOpen(open === c.index ? null : c.index)}>
                        {open === c.index ? 'less' : 'more'}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function DataView() {
  const [datasets, setDatasets] = useState<ManifestDataset[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadManifest().then(
      (m) => setDatasets(m.datasets),
      (e: unknown) => setError(String(e)),
    );
  }, []);
  return (
    <>
      <FolderDatasets />
      <h2 style={{ fontSize: 16 }}>Embedded datasets</h2>
      <ErrorBanner error={error} />
      {!datasets && !error && <p className="muted">Loading…</p>}
      {datasets?.map((ds) => (
        <EmbeddedDataset key={ds.id} ds={ds} />
      ))}
    </>
  );
}
