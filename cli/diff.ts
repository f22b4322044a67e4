/** A unified-style line diff (draft against published), small enough for runbook scripts. */
export function lineDiff(before: string, after: string, labels: [string, string]): string {
  const a = before.split('\n');
  const b = after.split('\n');
  // Longest common subsequence table; runbooks are at most a few thousand lines.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  let i = 0;
  let j = 0;
  let changed = false;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`- ${a[i]}`);
      i++;
      changed = true;
    } else {
      out.push(`+ ${b[j]}`);
      j++;
      changed = true;
    }
  }
  return changed ? out.join('\n') + '\n' : `(no change: ${labels[1]} is the same as ${labels[0]})\n`;
}
