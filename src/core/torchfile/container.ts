/**
 * torch.save's container (PyTorch >= 1.6): an uncompressed ZIP whose entries share one top folder
 * `<prefix>/` and hold `data.pkl` (the pickle), `version` and, from torch 2.1 on, `byteorder`. NumPy
 * arrays live inside data.pkl itself, so no other record is read. Legacy (pre-1.6) files, which are bare
 * pickles, and real tar archives are recognised and refused with a message that says what they are.
 */
import { unzipSync } from 'fflate';
import { crc32 } from '../crc32';

/** Largest data.pkl accepted: an FKD file with 500 crops of full 1000-class labels is ~4 MB. */
const MAX_PICKLE_BYTES = 256 << 20;

export class TorchFileError extends Error {
  override name = 'TorchFileError';
}

function sniff(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    return 'a legacy torch.save file (torch < 1.6 or _use_new_zipfile_serialization=False); re-save it with torch >= 1.6';
  }
  const ustar = bytes.length > 262 ? String.fromCharCode(...bytes.subarray(257, 262)) : '';
  if (ustar === 'ustar') return 'a tar archive, not a torch.save file (FKD names its torch.save files .tar)';
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b)
    return 'not a torch.save file (no ZIP header)';
  return undefined;
}

/** The data.pkl bytes of a torch.save file, after checking the container. */
export function readTorchSaveContainer(bytes: Uint8Array): Uint8Array {
  const what = sniff(bytes);
  if (what) throw new TorchFileError(what);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => /(^|\/)(data\.pkl|version)$/.test(f.name) && f.originalSize <= MAX_PICKLE_BYTES,
    });
  } catch (e) {
    throw new TorchFileError(`broken ZIP container (${(e as Error).message}); the file may be truncated`);
  }
  const pkl = Object.keys(entries).filter((n) => n.endsWith('data.pkl') && n.split('/').length === 2);
  if (pkl.length !== 1) {
    throw new TorchFileError(
      `expected one <prefix>/data.pkl in the ZIP, found ${pkl.length ? pkl.join(', ') : 'none'}`,
    );
  }
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const version = entries[`${prefix}version`];
  if (version) {
    const v = Number(new TextDecoder().decode(version).trim());
    if (!(v >= 1 && v <= 3)) throw new TorchFileError(`unknown torch.save format version '${v}'`);
  }
  return entries[pkl[0]];
}

/** ZIP entries start 64-byte aligned, as torch.save writes them (its "FB" padding field). */
const ALIGN = 64;
const PAD_FIELD = 0x4246;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
const EXTRA_HEADER = 4;
/** A fixed time stamp, 1980-01-01 00:00 in DOS form: the same labels give byte-identical files. */
const DOS_DATE_TIME = (1 << 21) | (1 << 16);
const enc = new TextEncoder();
const BYTEORDER = enc.encode('little');
const VERSION = enc.encode('3\n');

/**
 * A torch.save file holding a pickle of `pickleLength` bytes, written into its place by `writePickle`
 * (it gets the output and the offset; the bytes there are the pickle's). Stored (uncompressed) ZIP
 * entries `<prefix>/data.pkl`, `byteorder`, `version`, each 64-byte aligned by a padding extra field.
 */
export function writeTorchSaveWith(
  prefix: string,
  pickleLength: number,
  writePickle: (out: Uint8Array, at: number) => void,
): Uint8Array {
  if (!/^[^/\\\n]+$/.test(prefix)) throw new TorchFileError(`invalid archive prefix '${prefix}'`);
  const names = ['data.pkl', 'byteorder', 'version'].map((n) => enc.encode(`${prefix}/${n}`));
  // General purpose bit 11: the names are UTF-8 (set only when they are not plain ASCII).
  const flags = names[0].length !== prefix.length + 9 ? 0x800 : 0;
  const sizes = [pickleLength, BYTEORDER.length, VERSION.length];
  const offsets: number[] = [];
  const pads: number[] = [];
  let offset = 0;
  for (let i = 0; i < 3; i++) {
    const headerEnd = offset + LOCAL_HEADER + names[i].length + EXTRA_HEADER;
    offsets.push(offset);
    pads.push((ALIGN - (headerEnd % ALIGN)) % ALIGN);
    offset = headerEnd + pads[i] + sizes[i];
  }
  let central = 0;
  for (let i = 0; i < 3; i++) central += CENTRAL_HEADER + names[i].length + EXTRA_HEADER + pads[i];
  const out = new Uint8Array(offset + central + END_RECORD);
  const dv = new DataView(out.buffer);
  writePickle(out, offsets[0] + LOCAL_HEADER + names[0].length + EXTRA_HEADER + pads[0]);
  const crcs = [0, 0, 0];
  let at = offset;
  for (let i = 0; i < 3; i++) {
    const dataAt = offsets[i] + LOCAL_HEADER + names[i].length + EXTRA_HEADER + pads[i];
    if (i > 0) out.set(i === 1 ? BYTEORDER : VERSION, dataAt);
    crcs[i] = crc32(out.subarray(dataAt, dataAt + sizes[i]));
    // Local header, then the same fields again in the central directory.
    for (const central of [false, true]) {
      let p = central ? at : offsets[i];
      dv.setUint32(p, central ? 0x02014b50 : 0x04034b50, true);
      p += 4;
      if (central) dv.setUint16((p += 2) - 2, 20, true); // made by: version 2.0
      dv.setUint16(p, 20, true); // needed to extract: 2.0; stored
      dv.setUint16(p + 2, flags, true);
      dv.setUint32(p + 6, DOS_DATE_TIME, true);
      dv.setUint32(p + 10, crcs[i], true);
      dv.setUint32(p + 14, sizes[i], true);
      dv.setUint32(p + 18, sizes[i], true);
      dv.setUint16(p + 22, names[i].length, true);
      dv.setUint16(p + 24, EXTRA_HEADER + pads[i], true);
      p += 26;
      if (central) {
        dv.setUint32(p + 12 - 2, offsets[i], true); // after comment, disk, attributes
        p += 14;
      }
      out.set(names[i], p);
      p += names[i].length;
      dv.setUint16(p, PAD_FIELD, true);
      dv.setUint16(p + 2, pads[i], true);
      out.fill(0x5a, p + 4, p + 4 + pads[i]);
      if (central) at = p + 4 + pads[i];
    }
  }
  dv.setUint32(at, 0x06054b50, true);
  dv.setUint16(at + 8, 3, true);
  dv.setUint16(at + 10, 3, true);
  dv.setUint32(at + 12, central, true);
  dv.setUint32(at + 16, offset, true);
  return out;
}

/**
 * A torch.save file holding `pickle` as `<prefix>/data.pkl`, loadable by torch.load (>= 1.6) as is.
 * `prefix` is what torch uses: the file name without its extension.
 */
export function writeTorchSaveContainer(prefix: string, pickle: Uint8Array): Uint8Array {
  return writeTorchSaveWith(prefix, pickle.length, (out, at) => out.set(pickle, at));
}
