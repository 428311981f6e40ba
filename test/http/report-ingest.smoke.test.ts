import request from 'supertest';
import { harness } from '../fixtures/harness';
import { newDeviceId, reportBody } from '../fixtures/reports';

describe('POST /reports/ingest (smoke)', () => {
  it('when a valid minimal report arrives, then it answers 202 and counts it', async () => {
    const h = await harness();
    const { appId, key } = await h.createApp();
    const res = await request(h.app)
      .post('/reports/ingest')
      .set('Authorization', `Bearer ${key}`)
      .set('X-Device-ID', newDeviceId())
      .send(reportBody());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', group_hash: expect.stringMatching(/^[0-9a-f]{64}$/), stored_details: false });
    const group = await h.repository.findGroup(appId, res.body.group_hash);
    expect(group?.stats.count).toBe(1);
  });
});
