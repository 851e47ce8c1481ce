/**
 * Issue 16 (WP-(三)3): the verifier's page in the browser, bundled by esbuild into /assets/presentation-verifier.js.
 * It reads a 亮证 token from the link's fragment, from an uploaded image or from the camera (jsQR decodes the QR),
 * and verifies it offline with pki/presentation-verifier.ts against the platform key and the status lists kept in
 * localStorage (fetched with 更新状态列表, or once when none is kept). Accepted nonces are kept so a replay fails.
 */
import jsQR from 'jsqr';
import { PresentationResult, PublicJwk, verifyPresentation } from '../../../pki/presentation-verifier';

const store = {
  get: <T>(k: string, d: T): T => JSON.parse(localStorage.getItem(`pv.${k}`) ?? 'null') ?? d,
  set: (k: string, v: unknown) => localStorage.setItem(`pv.${k}`, JSON.stringify(v)),
};
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null;

async function refresh(uris: string[] = []): Promise<void> {
  const jwks = await (await fetch('/api/presentation-keys')).json();
  store.set('jwk', jwks.keys[0]);
  // The items' labels are not in the token: the catalogue's, kept beside the key.
  store.set('labels', (await (await fetch('/api/presentation-labels')).json()).labels);
  const lists: Record<string, string> = store.get('lists', {});
  for (const uri of new Set([...Object.keys(lists), ...uris, `${location.origin}/api/status-lists/0`])) {
    const res = await fetch(new URL(uri).pathname);
    if (res.ok) lists[uri] = await res.text();
  }
  store.set('lists', lists);
  store.set('listsAt', new Date().toISOString());
  const at = $('pv-lists-at');
  if (at) at.textContent = new Date().toLocaleString('zh-CN');
}

function tokenOf(text: string): string {
  const hash = text.indexOf('#');
  return (hash >= 0 ? text.slice(hash + 1) : text).trim();
}

function uriOf(token: string): string | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload.status?.status_list?.uri ?? null;
  } catch {
    return null;
  }
}

async function verify(token: string): Promise<void> {
  const uri = uriOf(token);
  const lists: Record<string, string> = store.get('lists', {});
  const stale = !store.get<PublicJwk | null>('jwk', null) || !store.get('labels', null);
  if (stale || (uri && !lists[uri])) await refresh(uri ? [uri] : []);
  const seen = new Set<string>(store.get('nonces', []));
  const result = await verifyPresentation(token, {
    publicJwk: store.get<PublicJwk>('jwk', {} as PublicJwk),
    statusLists: Object.values(store.get('lists', {})),
    now: new Date(),
    seenNonces: seen,
    labels: store.get('labels', {}),
  });
  if (result.valid && result.nonce) store.set('nonces', [...seen, result.nonce].slice(-500));
  show(result);
}

function cell(row: HTMLTableRowElement, text: string, tag: 'th' | 'td' = 'td') {
  const el = document.createElement(tag);
  el.textContent = text;
  row.appendChild(el);
}

function show(result: PresentationResult): void {
  const box = $('pv-result')!;
  box.hidden = false;
  box.className = `verify-result ${result.valid ? 'passed' : 'failed'}`;
  $('pv-verdict')!.textContent = result.valid ? '✓ 核验通过' : '✗ 核验未通过';
  $('pv-reason')!.textContent = result.message;
  box.dataset.reason = result.reason;
  const table = $<HTMLTableElement>('pv-items')!;
  table.innerHTML = '';
  const l = result.licence;
  if (l) {
    for (const [k, v] of [
      ['证照', l.typeName],
      ['证照标识', l.identifier],
      ['颁发单位', l.issuerName],
    ]) {
      cell(table.insertRow(), k, 'th');
      cell(table.rows[table.rows.length - 1], v);
    }
    for (const item of l.disclosed) {
      const row = table.insertRow();
      cell(row, item.label, 'th');
      cell(row, String(item.value));
    }
    const row = table.insertRow();
    cell(row, '未出示', 'th');
    cell(row, `${l.hiddenCount} 项（持证人未选择出示）`);
  }
  const form = $<HTMLFormElement>('pv-archive');
  if (form && l) {
    form.hidden = false;
    (form.elements.namedItem('identifier') as HTMLInputElement).value = l.identifier;
    (form.elements.namedItem('presentationReason') as HTMLInputElement).value = result.reason;
  }
}

function decodeImage(source: CanvasImageSource, width: number, height: number): string | null {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d')!;
  g.drawImage(source, 0, 0, width, height);
  const code = jsQR(g.getImageData(0, 0, width, height).data, width, height);
  return code?.data ?? null;
}

async function fromFile(file: File): Promise<void> {
  const bitmap = await createImageBitmap(file);
  const text = decodeImage(bitmap, bitmap.width, bitmap.height);
  if (!text) {
    $('pv-reason')!.textContent = '图片中没有识别到二维码';
    $('pv-result')!.hidden = false;
    return;
  }
  await verify(tokenOf(text));
}

async function fromCamera(): Promise<void> {
  const video = $<HTMLVideoElement>('pv-video')!;
  video.hidden = false;
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  await video.play();
  const tick = async () => {
    const text = video.videoWidth ? decodeImage(video, video.videoWidth, video.videoHeight) : null;
    if (!text) return void requestAnimationFrame(tick);
    (video.srcObject as MediaStream).getTracks().forEach((t) => t.stop());
    video.hidden = true;
    await verify(tokenOf(text));
  };
  requestAnimationFrame(tick);
}

/** A failure inside the page (bad image, unreadable token, no network for the lists) is shown, not swallowed. */
function failed(err: unknown): void {
  $('pv-reason')!.textContent = `核验出错：${(err as Error)?.message ?? String(err)}`;
  $('pv-result')!.hidden = false;
}

$<HTMLInputElement>('pv-file')?.addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) fromFile(file).catch(failed);
});
$('pv-camera')?.addEventListener('click', () => void fromCamera());
$('pv-refresh')?.addEventListener('click', () => void refresh());
const at = $('pv-lists-at');
if (at) at.textContent = store.get<string | null>('listsAt', null) ?? '尚未下载';
if (location.hash.length > 20) void verify(tokenOf(location.hash));
