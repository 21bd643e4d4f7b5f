export { ChatOrchestrator } from './orchestrator.ts';
export { parseChatRequest } from './request.ts';
export { openSse } from './sse.ts';
export type { ChatEvent, ChatRequest, OrchestratorOptions } from './types.ts';
