import { SqliteDayKeyStore, SqliteDeviceSketchStore } from '../../src/adapters/sqlite/sqlite-device-sketches';
import { tempSqlite } from '../fixtures/sqlite';
import { deviceSketchContract } from './device-sketches.contract';

deviceSketchContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { store: new SqliteDeviceSketchStore(db), dayKeys: new SqliteDayKeyStore(db), cleanup };
});
