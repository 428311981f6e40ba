// The baseline: a bare Express 5 server that parses JSON and answers 202 (POST) or 204 (GET).
import express from 'express';

const app = express();
app.use(express.json({ limit: '256kb' }));
// The beacon's baseline: 204 with no body, as GET /telemetry/beacon answers, after parsing the
// query string as any handler reading its parameters must (Express 5 parses req.query lazily).
app.get(/.*/, (req, res) => {
  void req.query;
  res.status(204).end();
});
app.post(/.*/, (req, res) => {
  res.status(202).json({ status: 'accepted', received: typeof req.body === 'object' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ ready: true, port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
