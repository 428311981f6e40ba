import { MemoryDayKeyStore, MemoryDeviceSketchStore } from '../../src/adapters/memory/memory-device-sketches';
import { SqliteDayKeyStore, SqliteDeviceSketchStore } from '../../src/adapters/sqlite/sqlite-device-sketches';
import { tempSqlite } from '../fixtures/sqlite';
import { deviceSketchContract } from './device-sketches.contract';

deviceSketchContract('memory', async () => ({ store: new MemoryDeviceSketchStore(), dayKeys: new MemoryDayKeyStore(), cleanup: async () => undefined }));

deviceSketchContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { store: new SqliteDeviceSketchStore(db), dayKeys: new SqliteDayKeyStore(db), cleanup };
});
