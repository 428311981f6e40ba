import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
const secret = process.env.WEBHOOK_SECRET;
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(req.headers['x-telltale-signature'] ?? '') ?? [];
    const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest();
    const ok = v1 !== undefined && Math.abs(Date.now() / 1000 - Number(t)) < 300 && timingSafeEqual(mac, Buffer.from(v1, 'hex'));
    res.writeHead(ok ? 204 : 401).end();
    console.log(ok ? 'verified' : 'REJECTED', req.headers['x-telltale-event-id'], body);
  });
}).listen(Number(process.env.PORT ?? 8787), function () { console.log(`listening on ${this.address().port}`); });
