import { connectMongo, redactMongoUrl } from '../../src/adapters/mongo/mongo-connection';
import { compose } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { UnavailableError } from '../../src/domain/errors';
import { dataDirFor } from '../fixtures/harness';

// Nothing listens on port 9 (discard) here, so these need no MongoDB.
const UNREACHABLE = 'mongodb://telltale:s3cret@127.0.0.1:9/?directConnection=true';

describe('connectMongo', () => {
  it('when MongoDB is unreachable, then it fails with an error naming MONGO_URL and no password', async () => {
    const attempt = connectMongo(UNREACHABLE, 'telltale', { serverSelectionTimeoutMS: 300 });
    await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    await expect(attempt).rejects.toThrow(/^MONGO_URL: cannot use MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1:9/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it('redacts credentials from a URL, and leaves a URL without them alone', () => {
    expect(redactMongoUrl('mongodb+srv://u:p@cluster.example/db')).toBe('mongodb+srv://***@cluster.example/db');
    expect(redactMongoUrl('mongodb://localhost:27017')).toBe('mongodb://localhost:27017');
  });
});

describe('compose with REPOSITORY_DRIVER=mongo', () => {
  it('when MONGO_URL is unreachable, then startup fails naming MONGO_URL', async () => {
    const config = loadConfig({ REPOSITORY_DRIVER: 'mongo', MONGO_URL: UNREACHABLE, STORAGE_DRIVER: 'memory', DATA_DIR: dataDirFor(), LOG_LEVEL: 'silent' });
    await expect(compose(config)).rejects.toThrow(/^MONGO_URL: /);
  });
});
