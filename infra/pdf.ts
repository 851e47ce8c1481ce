/**
 * HTML → PDF with Debian's chromium driven by playwright-core (a test tool's own browser download does not work
 * here). One browser per process, launched on first use: starting chromium costs about a second, a new context
 * per render keeps renders isolated from each other.
 */
import { Browser, chromium } from 'playwright-core';

/** Flags for chromium in this environment (no sandbox in containers, no GPU, no background traffic). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumExecutablePath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export interface PdfOptions {
  format?: 'A4';
  landscape?: boolean;
}

// A promise, not a Browser, so that concurrent first renders share one launch.
let browserPromise: Promise<Browser> | null = null;

function sharedBrowser(): Promise<Browser> {
  if (!browserPromise) {
    const launching = chromium.launch({ executablePath: chromiumExecutablePath(), args: [...CHROMIUM_ARGS] });
    browserPromise = launching;
    launching.then(
      // A crashed browser is replaced on the next render rather than failing every render after it.
      (browser) =>
        browser.on('disconnected', () => {
          if (browserPromise === launching) browserPromise = null;
        }),
      // A failed launch is retried on the next render.
      () => {
        if (browserPromise === launching) browserPromise = null;
      },
    );
  }
  return browserPromise;
}

/**
 * The public copy of a licence is a PDF anyone may ask for: at most MAX_RENDERS render at once, MAX_WAITING wait
 * their turn, and beyond that a render is refused at once (PdfRendererBusy) rather than piling up chromium pages.
 */
const MAX_RENDERS = 2;
const MAX_WAITING = 20;
let running = 0;
const waiting: Array<() => void> = [];

export class PdfRendererBusy extends Error {
  constructor() {
    super('the PDF renderer is busy');
    this.name = 'PdfRendererBusy';
  }
}

async function turn(): Promise<() => void> {
  if (running >= MAX_RENDERS) {
    if (waiting.length >= MAX_WAITING) throw new PdfRendererBusy();
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

export async function renderPdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
  const done = await turn();
  try {
    return await renderNow(html, options);
  } finally {
    done();
  }
}

async function renderNow(html: string, options: PdfOptions): Promise<Buffer> {
  const browser = await sharedBrowser();
  // The page is self-contained (inline styles, data URLs): no scripts and no network, so nothing in a licence's
  // data or a face template can reach out or run.
  const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
  try {
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({
      format: options.format ?? 'A4',
      landscape: options.landscape ?? false,
      printBackground: true,
    });
  } finally {
    await context.close();
  }
}

/** Closes the shared browser (platform stop, test teardown); the next render launches a new one. */
export async function closePdfRenderer(): Promise<void> {
  const pending = browserPromise;
  browserPromise = null;
  if (!pending) return;
  const browser = await pending.catch(() => null);
  await browser?.close();
}
