/** Test imprints: a real PNG (encoded here with zlib) and an SVG, and a valid application body. */
import { crc32, deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A red ring on transparency, `size` pixels square; `noise` fills it with random pixels (incompressible). */
export function pngImprint(size = 64, noise = false): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows: Buffer[] = [];
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    const row = noise ? Buffer.concat([Buffer.from([0]), randomBytes(size * 4)]) : Buffer.alloc(1 + size * 4);
    if (!noise) {
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x - c, y - c);
        if (d < c - 1 && d > c - 6) row.set([200, 20, 20, 255], 1 + x * 4);
      }
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function svgImprint(text: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">` +
      `<circle cx="100" cy="100" r="92" fill="none" stroke="#c00" stroke-width="6"/>` +
      `<text x="100" y="108" font-size="18" text-anchor="middle" fill="#c00">${text}</text></svg>`,
    'utf8',
  );
}

export function applicationBody(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'business',
    name: '泽州县市场监督管理局合同专用章',
    imprint: { mediaType: 'image/png', data: pngImprint().toString('base64'), widthMm: 42, heightMm: 42 },
    custodian: { name: '张丽', phone: '13800000000' },
    reason: '签订政府采购合同需要使用电子合同专用章',
    ...overrides,
  };
}
