import { SqliteBeaconRefusalStore } from '../../src/adapters/sqlite/sqlite-beacon-refusals';
import { tempSqlite } from '../fixtures/sqlite';
import { beaconRefusalContract } from './beacon-refusals.contract';

beaconRefusalContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { store: new SqliteBeaconRefusalStore(db), cleanup };
});
