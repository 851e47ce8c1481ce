/**
 * Prometheus metrics (prom-client) for operators, served at GET /metrics (api/routes/metrics.ts): request
 * latency by route template and status, workflow starts and start failures by workflow, deadline breaches and the
 * data-exchange backlog. The last two are read from the database on each scrape, so they count what every
 * process (the API, separate workers) recorded, and survive restarts.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'elicense_' });

export const httpRequestDuration = new Histogram({
  name: 'elicense_http_request_duration_seconds',
  help: 'HTTP request latency by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const workflowStarts = new Counter({
  name: 'elicense_workflow_starts_total',
  help: 'Workflows started (new processes; a start that found its process running is not counted)',
  labelNames: ['workflow'] as const,
  registers: [registry],
});

export const workflowStartFailures = new Counter({
  name: 'elicense_workflow_start_failures_total',
  help: 'Workflow starts that failed (e.g. Temporal unavailable); the request was undone and answered 503',
  labelNames: ['workflow'] as const,
  registers: [registry],
});

/** The counts read from the database on each scrape; set by the composition root (platform/compose.ts). */
export interface DatabaseReadings {
  deadlineBreaches(): Promise<number>;
  exchangeBacklog(): Promise<number>;
}

let readings: DatabaseReadings | undefined;
export function readFromDatabase(r: DatabaseReadings | undefined): void {
  readings = r;
}

new Counter({
  name: 'elicense_deadline_breaches_total',
  help: 'Approval deadline breaches recorded (LM-28), read from the database on scrape',
  registers: [registry],
  async collect() {
    if (!readings) return;
    this.reset();
    this.inc(await readings.deadlineBreaches());
  },
});

new Gauge({
  name: 'elicense_exchange_backlog',
  help: 'Data-exchange messages (LM-8) waiting for delivery, read from the database on scrape',
  registers: [registry],
  async collect() {
    if (!readings) return;
    this.set(await readings.exchangeBacklog());
  },
});
