import { MongoClient } from 'mongodb';
import { MongoAccountRepository } from '../../src/adapters/mongo/mongo-account-repository';
import { MongoAppDirectory } from '../../src/adapters/mongo/mongo-app-directory';
import { MongoReportRepository } from '../../src/adapters/mongo/mongo-report-repository';
import { UnavailableError } from '../../src/domain/errors';
import { reportEvent } from '../fixtures/groups';
import { newReportKey } from '../fixtures/reports';

// No mongod is needed: nothing listens on port 1, so every call fails server selection.
describe('MongoDB adapters when the server is unreachable', () => {
  const client = new MongoClient('mongodb://127.0.0.1:1', { serverSelectionTimeoutMS: 200, connectTimeoutMS: 200 });
  const db = client.db('telltale_unreachable');
  afterAll(() => client.close());

  it('when a read or write cannot reach MongoDB, then every adapter rejects with UnavailableError (503), not a bare driver error (500)', async () => {
    const repository = new MongoReportRepository(db);
    const directory = new MongoAppDirectory(db);
    const accounts = new MongoAccountRepository(db);
    await expect(repository.findGroup('app-1', reportEvent().groupHash)).rejects.toBeInstanceOf(UnavailableError);
    await expect(repository.listGroups({ appIds: ['app-1'] }, 1, 20)).rejects.toBeInstanceOf(UnavailableError);
    await expect(repository.recordEvent(reportEvent())).rejects.toBeInstanceOf(UnavailableError);
    await expect(directory.findByReportKey(newReportKey())).rejects.toBeInstanceOf(UnavailableError);
    await expect(directory.listApps('owner-1')).rejects.toBeInstanceOf(UnavailableError);
    await expect(accounts.findById('someone')).rejects.toBeInstanceOf(UnavailableError);
    await expect(accounts.findByUsername('alice')).rejects.toMatchObject({ code: 'unavailable', retryAfterSeconds: 5 });
  });
});
