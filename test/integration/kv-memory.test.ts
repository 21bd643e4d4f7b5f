import { afterAll } from 'vitest';
import { MemoryStore } from '#pkg/kv/index.ts';
import { storeContract } from './kv-contract.ts';

const store = new MemoryStore();
afterAll(() => store.close());
storeContract('memory', () => store);
