/**
 * Ground-truth files for an ImageNet-style *flat* validation folder (`val/*.JPEG`, no class
 * subfolders). Accepted, in order of preference, in the dataset root or inside val/:
 *
 *  1. `LOC_val_solution.csv` (Kaggle ImageNet localisation): header `ImageId,PredictionString`,
 *     rows `ILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 ...`; the first token of
 *     PredictionString is the image's wnid.
 *  2. `val_labels.txt`: lines `<filename> <label>`.
 *  3. `val.txt` (Caffe): lines `<filename> <label>`.
 *     In 2 and 3 the label is either a wnid (`n01440764`) or a 0-based class index in the standard
 *     (sorted-wnid) 0..999 order, which is what Caffe's val.txt uses. Filenames match with or
 *     without extension.
 *
 * Not accepted alone: `ILSVRC2012_validation_ground_truth.txt` (devkit). Its lines are 1-based
 * ILSVRC2012_IDs, whose order is NOT the sorted-wnid order; mapping them needs meta.mat (MATLAB),
 * which we do not parse. With it present and nothing else we report how to fix it.
 */

export const GROUND_TRUTH_FILES = ['LOC_val_solution.csv', 'val_labels.txt', 'val.txt'] as const;
export const DEVKIT_GROUND_TRUTH = 'ILSVRC2012_validation_ground_truth.txt';

export const DEVKIT_UNSUPPORTED =
  `${DEVKIT_GROUND_TRUTH} holds ILSVRC2012_IDs, which are not in the standard class order and ` +
  'need the devkit meta.mat to map; add LOC_val_solution.csv or a val_labels.txt with ' +
  '"<filename> <wnid>" lines (or sort val/ into class folders)';

/** A label as written: a wnid string or a 0-based class index. */
export type RawLabel = string | number;

export interface GroundTruth {
  /** Keyed by file stem (name without its last extension). */
  labels: Map<string, RawLabel>;
  /** Line-level problems (malformed rows), capped by the caller's report. */
  problems: string[];
}

const WNID = /^n\d{8}$/;

export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

export function parseGroundTruth(fileName: string, text: string): GroundTruth {
  const labels = new Map<string, RawLabel>();
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  const csv = fileName.toLowerCase().endsWith('.csv');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0) return;
    if (csv) {
      if (i === 0 && /^imageid\s*,/i.test(line)) return;
      const comma = line.indexOf(',');
      const id = line.slice(0, comma).trim();
      const wnid = line
        .slice(comma + 1)
        .trim()
        .split(/\s+/)[0];
      if (comma <= 0 || !WNID.test(wnid ?? ''))
        problems.push(`${fileName}:${i + 1}: cannot parse "${clip(line)}"`);
      else labels.set(stemOf(id), wnid);
      return;
    }
    const parts = line.split(/\s+/);
    const label = parts[parts.length - 1];
    if (parts.length < 2) problems.push(`${fileName}:${i + 1}: expected "<filename> <label>"`);
    else if (WNID.test(label)) labels.set(stemOf(parts.slice(0, -1).join(' ')), label);
    else if (/^\d+$/.test(label)) labels.set(stemOf(parts.slice(0, -1).join(' ')), Number(label));
    else problems.push(`${fileName}:${i + 1}: label "${clip(label)}" is neither a wnid nor a class index`);
  });
  return { labels, problems };
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
