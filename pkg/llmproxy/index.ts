export { createLlmHandler, type LlmHandlerOptions } from './handler.ts';
export { openaiDialect, anthropicDialect, type DialectAdapter, type StreamEncoder } from './dialect.ts';
export { modelsBody } from './models.ts';
export { statusBody } from './status.ts';
export { readLlmProxyConfig, llmProxySpecs, type LlmProxyConfig } from './config.ts';
export { createGovernance, Governance, TENANT_HEADER, type GovernanceOptions, type Ticket } from './governance.ts';
