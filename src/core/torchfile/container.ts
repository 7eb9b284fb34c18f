/**
 * torch.save's container (PyTorch >= 1.6): an uncompressed ZIP whose entries share one top folder
 * `<prefix>/` and hold `data.pkl` (the pickle), `version` and, from torch 2.1 on, `byteorder`. NumPy
 * arrays live inside data.pkl itself, so no other record is read. Legacy (pre-1.6) files, which are bare
 * pickles, and real tar archives are recognised and refused with a message that says what they are.
 */
import { unzipSync, zipSync, type ZipAttributes } from 'fflate';

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
const EXTRA_HEADER = 4;
/** A fixed time stamp: the same labels give byte-identical files. */
const MTIME = new Date(1980, 0, 1);

/**
 * A torch.save file holding `pickle` as `<prefix>/data.pkl`, loadable by torch.load (>= 1.6) as is.
 * `prefix` is what torch uses: the file name without its extension.
 */
export function writeTorchSaveContainer(prefix: string, pickle: Uint8Array): Uint8Array {
  if (!/^[^/\\\n]+$/.test(prefix)) throw new TorchFileError(`invalid archive prefix '${prefix}'`);
  const enc = new TextEncoder();
  const files: [string, Uint8Array][] = [
    [`${prefix}/data.pkl`, pickle],
    [`${prefix}/byteorder`, enc.encode('little')],
    [`${prefix}/version`, enc.encode('3\n')],
  ];
  const zipInput: Record<string, [Uint8Array, ZipAttributes & { level: 0 }]> = {};
  let offset = 0;
  for (const [name, data] of files) {
    const nameLen = enc.encode(name).length;
    const headerEnd = offset + LOCAL_HEADER + nameLen + EXTRA_HEADER;
    const pad = (ALIGN - (headerEnd % ALIGN)) % ALIGN;
    zipInput[name] = [
      data,
      { level: 0, mtime: MTIME, extra: { [PAD_FIELD]: new Uint8Array(pad).fill(0x5a) } },
    ];
    offset = headerEnd + pad + data.length;
  }
  return zipSync(zipInput);
}
