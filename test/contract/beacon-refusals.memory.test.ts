import { MemoryBeaconRefusalStore } from '../../src/adapters/memory/memory-beacon-refusals';
import { beaconRefusalContract } from './beacon-refusals.contract';

beaconRefusalContract('memory', async () => ({ store: new MemoryBeaconRefusalStore(), cleanup: async () => undefined }));
