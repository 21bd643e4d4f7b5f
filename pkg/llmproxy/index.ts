export { createLlmHandler, type LlmHandlerOptions } from './handler.ts';
export { statusBody } from './status.ts';
export { readLlmProxyConfig, llmProxySpecs, type LlmProxyConfig } from './config.ts';
export { createGovernance, Governance, type GovernanceOptions, type Ticket } from './governance.ts';
