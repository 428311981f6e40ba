import { tenantIsolationContract } from '../contract/tenant-isolation.contract';
import { readApiHarness } from '../fixtures/read-api';

tenantIsolationContract('in-memory adapters', () => readApiHarness());
