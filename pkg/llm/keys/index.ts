export { KeyGate, type Caller, type KeyGateOptions } from './key-gate.ts';
export { parseKeyMap, type KeyEntry, type KeyMap } from './key-map.ts';
export { modelMatcher, type ModelMatcher } from './model-glob.ts';
export { MemoryLedger, type Ledger } from './ledger.ts';
export { RedisLedger, type RedisLedgerOptions } from './redis-ledger.ts';
export { decide, monthOf, msToNextMonth, msToNextMinute, minuteOf, type Limits, type Used, type Verdict, type LimitReason } from './windows.ts';
