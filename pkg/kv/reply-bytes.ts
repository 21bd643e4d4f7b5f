/**
 * The bytes of a Redis reply, owned. A reply that fits in one socket read is
 * a view into that read's chunk (up to 64 KB): it is copied out, or each
 * response queued on a slow socket pins a whole chunk. A reply the parser
 * assembled from several reads (a large value) already owns its memory and
 * is passed on as it is: copying it again doubled what a 1 MiB GET holds
 * (bench/journal.md).
 */
export function ownBytes(bytes: Buffer): Buffer {
  const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owned ? bytes : Buffer.from(bytes);
}
