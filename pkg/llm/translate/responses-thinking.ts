/**
 * A Claude thinking block carried through the Responses dialect as a
 * reasoning item's `encrypted_content`: opaque to the caller, who sends the
 * item back as it got it, and decoded here into the block with its signature
 * (Anthropic verifies the signature; the proxy only carries it).
 */
import type { Obj } from './check.ts';

const PREFIX = 'pilotfish.thinking.v1:';

export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

export function encodeThinking(block: ThinkingBlock): string {
  return PREFIX + Buffer.from(JSON.stringify(block)).toString('base64');
}

/** The thinking block inside an `encrypted_content` the proxy wrote; undefined for anything else (OpenAI's own). */
export function decodeThinking(content: unknown): ThinkingBlock | undefined {
  if (typeof content !== 'string' || !content.startsWith(PREFIX)) return undefined;
  let v: Obj;
  try { v = JSON.parse(Buffer.from(content.slice(PREFIX.length), 'base64').toString('utf8')) as Obj; } catch { return undefined; }
  if (v?.type === 'thinking' && typeof v.thinking === 'string' && typeof v.signature === 'string') return { type: 'thinking', thinking: v.thinking, signature: v.signature };
  if (v?.type === 'redacted_thinking' && typeof v.data === 'string') return { type: 'redacted_thinking', data: v.data };
  return undefined;
}
