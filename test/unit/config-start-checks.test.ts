import http from 'node:http';
import { once } from 'node:events';
import { editDistance, unknownVariables } from '../../src/composition/config';
import { CannotStartError, listenError } from '../../src/composition/start';

describe('unknown variables', () => {
  it('when a variable shares one of our prefixes but is not ours, then one warning names the closest known one', () => {
    expect(unknownVariables({ ROLLOUT_EVAL_INTERVAL: '5' })).toEqual(['unknown variable ROLLOUT_EVAL_INTERVAL; did you mean ROLLOUT_EVAL_INTERVAL_S?']);
    expect(unknownVariables({ REPORTS_MAX_BODY: '1' })).toEqual(['unknown variable REPORTS_MAX_BODY; did you mean REPORTS_MAX_BODY_BYTES?']);
    expect(unknownVariables({ S3_BUCKET_NAME: 'b' })).toEqual(['unknown variable S3_BUCKET_NAME; did you mean S3_BUCKET_NAME_PRIVATE?']);
  });

  it('when a variable is a letter or two away from one of ours, then it is named too', () => {
    expect(unknownVariables({ PROT: '9090' })).toEqual(['unknown variable PROT; did you mean PORT?']);
    expect(unknownVariables({ DATADIR: '/srv' })).toEqual(['unknown variable DATADIR; did you mean DATA_DIR?']);
    expect(unknownVariables({ ROLLOUTS_MIN_DEVICES: '5' })).toEqual(['unknown variable ROLLOUTS_MIN_DEVICES; did you mean ROLLOUT_MIN_DEVICES?']);
  });

  it('when the variables are ours, or plainly someone else\'s, then there is no warning', () => {
    const env = {
      PORT: '1',
      ROLLOUT_EVAL_INTERVAL_S: '5',
      HOME: '/root',
      PATH: '/bin',
      HOSTNAME: 'x',
      USER: 'u',
      NODE_ENV: 'production',
      TEST_REDIS_CLUSTER_NODES: 'a:1',
      WEBHOOK_SECRET: 'whsec_x',
      UV_USE_IO_URING: '0',
      npm_config_cache: '/tmp',
      // Kubernetes service links for services named redis and mongo
      REDIS_SERVICE_HOST: '10.0.0.1',
      REDIS_PORT: 'tcp://10.0.0.1:6379',
      REDIS_PORT_6379_TCP_ADDR: '10.0.0.1',
      MONGO_SERVICE_PORT: '27017',
    };
    expect(unknownVariables(env)).toEqual([]);
  });

  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('PROT', 'PORT')).toBe(1);
    expect(editDistance('HOME', 'HOST')).toBe(2);
    expect(editDistance('', 'ABC')).toBe(3);
    expect(editDistance('KITTEN', 'SITTING')).toBe(3);
  });
});

describe('listen errors', () => {
  const listen = async (port: number, host: string) => {
    const server = http.createServer();
    server.listen(port, host);
    const error = await once(server, 'listening').then(() => null, (e: NodeJS.ErrnoException) => e);
    return { server, error };
  };

  it('when the port is taken, then the error names PORT and says what to do', async () => {
    const first = await listen(0, '127.0.0.1');
    const port = (first.server.address() as { port: number }).port;
    const second = await listen(port, '127.0.0.1');
    first.server.close();
    const error = listenError(second.error!, { host: '127.0.0.1', port });
    expect(error).toBeInstanceOf(CannotStartError);
    expect(error.message).toBe(`PORT: ${port} is already in use on 127.0.0.1; stop what listens there, or set PORT to a free port`);
  });

  it('when the host is not an address of this machine, then the error names HOST', async () => {
    const { error } = await listen(0, '192.0.2.1');
    expect(listenError(error!, { host: '192.0.2.1', port: 0 }).message).toMatch(/^HOST: 192\.0\.2\.1 is not an address of this machine/);
  });

  it('when the port needs privileges, then the error names PORT; any other error is left as it is', () => {
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    expect(listenError(denied, { host: '0.0.0.0', port: 80 }).message).toMatch(/^PORT: this user may not listen on port 80 .* set PORT to 1024 or above$/);
    const other = Object.assign(new Error('boom'), { code: 'EMFILE' });
    expect(listenError(other, { host: '0.0.0.0', port: 80 })).toBe(other);
  });
});
