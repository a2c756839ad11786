/**
 * The `order` for a card dropped at `index` of a column (the dragged card already taken out):
 * halfway between its new neighbours, or one step past the end.
 */
export function orderAt(neighbours: ReadonlyArray<{ order: number }>, index: number): number | undefined {
  const before = neighbours[index - 1];
  const after = neighbours[index];
  if (before && after) return (before.order + after.order) / 2;
  if (after) return after.order - 1;
  if (before) return before.order + 1;
  return undefined;
}
