/**
 * Splits items, in order, into the fewest consecutive groups of at most `maxItems` items and `maxBytes` bytes as
 * `sizeOf` counts them: how a batch is cut into calls of a service with per-call limits (PutRecords, PutEvents).
 * `sizeOf` throws for an item that no call could carry, before any group is returned.
 */
export function chunkByLimits<T>(
  items: readonly T[],
  limits: { readonly maxItems: number; readonly maxBytes: number },
  sizeOf: (item: T, index: number) => number,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const [index, item] of items.entries()) {
    const size = sizeOf(item, index);
    if (current.length === limits.maxItems || bytes + size > limits.maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
