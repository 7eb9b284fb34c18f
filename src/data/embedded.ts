/**
 * The embedded default datasets served from public/: load and validate the manifest, and expose
 * one dataset as a DataSource over fetch() so it goes through the same indexer and decoder as a
 * local folder. The tree is synthesised from the manifest's paths (a static server cannot list).
 */
import type { DatasetManifest, EmbeddedManifest } from './embeddedManifest';
import { SourceNotFoundError, joinPath, splitPath, type DataSource, type SourceEntry } from './source';

export type { DatasetManifest, EmbeddedManifest } from './embeddedManifest';

export type FetchLike = (url: string) => Promise<Response>;

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** `baseUrl` is the site base (import.meta.env.BASE_URL, e.g. '/' or '/studio/'). */
export async function loadEmbeddedManifest(
  baseUrl: string,
  fetchFn: FetchLike = fetch,
): Promise<EmbeddedManifest> {
  const url = resolveUrl(baseUrl, 'datasets/index.json');
  const res = await fetchFn(url);
  if (!res.ok) throw new ManifestError(`could not load ${url}: HTTP ${res.status}`);
  const json: unknown = await res.json();
  validateManifest(json);
  return json;
}

export function validateManifest(json: unknown): asserts json is EmbeddedManifest {
  const m = json as { datasets?: unknown } | null;
  if (!m || !Array.isArray(m.datasets)) throw new ManifestError('manifest has no datasets array');
  for (const d of m.datasets as Partial<DatasetManifest>[]) {
    const where = `dataset ${String(d?.id)}`;
    if (typeof d?.id !== 'string' || typeof d.root !== 'string' || typeof d.name !== 'string') {
      throw new ManifestError(`${where}: id, name and root must be strings`);
    }
    if (!Array.isArray(d.classes) || typeof d.numClasses !== 'number')
      throw new ManifestError(`${where}: bad classes`);
    d.classes.forEach((c, i) => {
      if (c.index !== i || typeof c.folder !== 'string')
        throw new ManifestError(`${where}: classes[${i}] out of order or has no folder`);
    });
    const lists =
      d.layout === 'imagefolder'
        ? (d as { splits?: unknown }).splits
        : d.layout === 'webdataset'
          ? (d as { shards?: unknown }).shards
          : null;
    const l = lists as { train?: unknown; val?: unknown } | null;
    if (!l || !Array.isArray(l.train) || !Array.isArray(l.val))
      throw new ManifestError(`${where}: layout ${String(d.layout)} without train/val lists`);
    for (const e of [...(l.train as unknown[]), ...(l.val as unknown[])] as {
      path?: unknown;
      bytes?: unknown;
    }[]) {
      if (typeof e?.path !== 'string' || typeof e.bytes !== 'number' || e.path.split('/').includes('..')) {
        throw new ManifestError(`${where}: entry with a bad path or size`);
      }
    }
  }
}

interface Leaf {
  url: string;
  size: number;
  /** Where the file sits in the dataset's pack, if it has one. */
  offset?: number;
}
type Node = Map<string, Node | Leaf>;

export class EmbeddedSource implements DataSource {
  readonly kind = 'embedded' as const;
  readonly name: string;
  readonly hints: DataSource['hints'];
  private readonly tree: Node = new Map();
  private readonly packUrl: string | null = null;
  private pack: Promise<Blob> | null = null;

  constructor(
    readonly dataset: DatasetManifest,
    baseUrl: string,
    private readonly fetchFn: FetchLike = (url) => fetch(url),
  ) {
    this.name = dataset.name;
    this.hints = {
      classes: dataset.classes.map((c) => ({
        index: c.index,
        folder: c.folder,
        name: c.name,
        ...(c.wnid ? { wnid: c.wnid } : {}),
      })),
      numClasses: dataset.numClasses,
    };
    const entries =
      dataset.layout === 'imagefolder'
        ? [...dataset.splits.train, ...dataset.splits.val]
        : [...dataset.shards.train, ...dataset.shards.val];
    const root = dataset.root.replace(/^\/+|\/+$/g, '');
    for (const e of entries) {
      const segs = splitPath(e.path);
      let node = this.tree;
      for (const s of segs.slice(0, -1)) {
        let next = node.get(s);
        if (!(next instanceof Map)) node.set(s, (next = new Map()));
        node = next;
      }
      const url = resolveUrl(baseUrl, `${root}/${segs.map(encodeURIComponent).join('/')}`);
      const offset = (e as { offset?: number }).offset;
      node.set(segs[segs.length - 1], { url, size: e.bytes, ...(offset !== undefined ? { offset } : {}) });
    }
    if (dataset.layout === 'imagefolder' && dataset.pack)
      this.packUrl = resolveUrl(
        baseUrl,
        `${root}/${splitPath(dataset.pack.path).map(encodeURIComponent).join('/')}`,
      );
  }

  async *list(dir: readonly string[]): AsyncIterable<SourceEntry> {
    const node = this.node(dir);
    if (!(node instanceof Map)) throw new SourceNotFoundError(joinPath(dir));
    for (const [name, c] of node)
      yield c instanceof Map ? { name, kind: 'directory' } : { name, kind: 'file', size: c.size };
  }

  async open(path: readonly string[]): Promise<Blob> {
    const leaf = this.node(path);
    if (!leaf || leaf instanceof Map) throw new SourceNotFoundError(joinPath(path));
    if (this.packUrl && leaf.offset !== undefined) {
      const pack = await this.packBlob();
      // A pack that does not match the manifest is ignored (loose files are fetched instead).
      if (pack && leaf.offset + leaf.size <= pack.size)
        return pack.slice(leaf.offset, leaf.offset + leaf.size);
    }
    const res = await this.fetchFn(leaf.url);
    if (res.status === 404) throw new SourceNotFoundError(joinPath(path));
    if (!res.ok) throw new Error(`fetching ${leaf.url} failed: HTTP ${res.status}`);
    return res.blob();
  }

  /** The whole pack, fetched once (slices of a Blob share its bytes); null if it cannot be fetched. */
  private async packBlob(): Promise<Blob | null> {
    this.pack ??= this.fetchFn(this.packUrl!).then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.blob();
    });
    try {
      return await this.pack;
    } catch {
      return null;
    }
  }

  private node(path: readonly string[]): Node | Leaf | undefined {
    let n: Node | Leaf | undefined = this.tree;
    for (const s of path) n = n instanceof Map ? n.get(s) : undefined;
    return n;
  }
}

export function embeddedSource(
  manifest: EmbeddedManifest,
  id: string,
  baseUrl: string,
  fetchFn?: FetchLike,
): EmbeddedSource {
  const d = manifest.datasets.find((x) => x.id === id);
  if (!d) throw new ManifestError(`no embedded dataset "${id}"`);
  return new EmbeddedSource(d, baseUrl, fetchFn);
}

/** Joins a site base (absolute or root-relative) and a relative path; works in windows and workers. */
function resolveUrl(base: string, rel: string): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  const origin = (globalThis as { location?: { href: string } }).location?.href;
  if (/^[a-z]+:/i.test(b)) return new URL(rel, b).href;
  if (origin) return new URL(rel, new URL(b, origin)).href;
  return `${b}${rel}`;
}
