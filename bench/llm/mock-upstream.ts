// A child process serving the mock OpenAI and Anthropic upstreams for the benchmark; prints {"openai":port,"anthropic":port}.
import { startMockOpenAI } from '#test/fixtures/mock-openai.ts';
import { startMockAnthropic } from '#test/fixtures/mock-anthropic.ts';

const openai = await startMockOpenAI({ record: false });
const anthropic = await startMockAnthropic({ record: false });
process.stdout.write(`${JSON.stringify({ openai: openai.port, anthropic: anthropic.port })}\n`);
process.on('SIGTERM', () => { void Promise.all([openai.close(), anthropic.close()]).then(() => process.exit(0)); });
