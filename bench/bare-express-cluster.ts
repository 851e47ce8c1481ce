/**
 * The bench's baseline for the API cluster: the bare Express endpoint of bench/verification.ts on BARE_PROCESSES
 * processes sharing PORT through node:cluster, as `npm run api` shares its port. Prints `bare cluster ready` once
 * every process listens.
 */
import cluster from 'node:cluster';
import express from 'express';

const processes = Number(process.env.BARE_PROCESSES ?? 2);
if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === processes) console.log('bare cluster ready');
  });
  for (let i = 0; i < processes; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    process.exit(0);
  });
} else {
  const app = express();
  app.use(express.json());
  app.post('/verify', (req, res) => {
    res.json({ indication: 'PASSED', identifier: (req.body as { identifier?: string }).identifier ?? null });
  });
  app.listen(Number(process.env.PORT));
}
