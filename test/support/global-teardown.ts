/** Stops what global setup started, in reverse order. */
export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __testServicesStop?: Array<() => Promise<void>> }).__testServicesStop ?? [];
  for (const stop of stops.reverse()) await stop();
}
