import { MemoryDayKeyStore, MemoryDeviceSketchStore } from '../../src/adapters/memory/memory-device-sketches';
import { deviceSketchContract } from './device-sketches.contract';

deviceSketchContract('memory', async () => ({ store: new MemoryDeviceSketchStore(), dayKeys: new MemoryDayKeyStore(), cleanup: async () => undefined }));
