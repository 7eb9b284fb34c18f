/** Minimal ustar writer for tests: regular files only, names up to 100 bytes (UTF-8). */

const enc = new TextEncoder();

function header(name: string, size: number): Uint8Array {
  const h = new Uint8Array(512);
  const nameBytes = enc.encode(name);
  if (nameBytes.length > 100) throw new Error(`name too long for the test writer: ${name}`);
  h.set(nameBytes, 0);
  const octal = (v: number, len: number): Uint8Array =>
    enc.encode(v.toString(8).padStart(len - 1, '0') + '\0');
  h.set(octal(0o644, 8), 100);
  h.set(octal(0, 8), 108);
  h.set(octal(0, 8), 116);
  h.set(octal(size, 12), 124);
  h.set(octal(0, 12), 136);
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  h[156] = 0x30; // '0' regular file
  h.set(enc.encode('ustar\0'), 257);
  h.set(enc.encode('00'), 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return h;
}

export function ustar(files: [string, Uint8Array | string][], opts: { end?: boolean } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, content] of files) {
    const data = typeof content === 'string' ? enc.encode(content) : content;
    parts.push(header(name, data.length), data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  if (opts.end !== false) parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
