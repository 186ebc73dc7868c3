/**
 * The wear at which a tool will be replaced, drawn from the replacements seen (sorted ascending), given that
 * the tool has already reached `currentWear`: the u-quantile of the seen lives above it, interpolated
 * between neighbours so that a few observations still give a spread. A tool already past every life seen
 * is replaced after one more reading's wear. Infinity when no replacement was ever seen.
 */
export function drawToolLife(
  sortedLives: readonly number[],
  currentWear: number,
  wearPerReading: number,
  u: number,
): number {
  const n = sortedLives.length;
  if (n === 0) return Number.POSITIVE_INFINITY;
  let first = 0;
  while (first < n && (sortedLives[first] as number) <= currentWear) first++;
  const above = n - first;
  if (above === 0) return currentWear + Math.max(wearPerReading, Number.EPSILON);
  if (above === 1) return sortedLives[first] as number;
  const position = u * (above - 1);
  const i = Math.floor(position);
  const lo = sortedLives[first + i] as number;
  const hi = sortedLives[Math.min(n - 1, first + i + 1)] as number;
  return lo + (position - i) * (hi - lo);
}
