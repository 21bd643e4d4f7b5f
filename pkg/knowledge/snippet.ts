/**
 * The part of a document's text shown under a search result: the window of
 * about `maxLength` characters that holds the most distinct matched terms
 * (then the most occurrences), cut at word boundaries, with `…` where text
 * was left out on either side.
 */
export const SNIPPET_LENGTH = 200;
const ELLIPSIS = '…';

interface Occurrence {
  start: number;
  end: number;
  term: string;
}

export function makeSnippet(text: string, terms: readonly string[], maxLength = SNIPPET_LENGTH): string {
  if (text.length <= maxLength) return text.replace(/\s+/gu, ' ').trim();
  const occurrences = findOccurrences(text, terms);
  if (occurrences.length === 0) return cut(text, 0, maxLength, undefined);
  const best = bestWindow(occurrences, maxLength);
  // Centre the covered span in the window so the match has context on both sides.
  const slack = maxLength - (best.end - best.start);
  const start = Math.max(0, Math.min(text.length - maxLength, best.start - Math.floor(slack / 2)));
  return cut(text, start, start + maxLength, best);
}

/** Whole-token, case-insensitive matches: the index's tokens are runs between spaces and punctuation. */
function findOccurrences(text: string, terms: readonly string[]): Occurrence[] {
  const wanted = [...new Set(terms.filter((t) => t !== ''))].sort((a, b) => b.length - a.length);
  if (wanted.length === 0) return [];
  const alternatives = wanted.map((t) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  const pattern = new RegExp(`(?<![^\\s\\p{Z}\\p{P}])(?:${alternatives})(?![^\\s\\p{Z}\\p{P}])`, 'giu');
  const found: Occurrence[] = [];
  for (const m of text.matchAll(pattern)) {
    found.push({ start: m.index, end: m.index + m[0].length, term: m[0].toLowerCase() });
  }
  return found;
}

/** Two pointers over the occurrences: every window that starts at one and ends within maxLength. */
function bestWindow(occurrences: Occurrence[], maxLength: number): { start: number; end: number } {
  let best = { start: occurrences[0].start, end: occurrences[0].end, distinct: 0, count: 0 };
  const counts = new Map<string, number>();
  let right = 0;
  for (let left = 0; left < occurrences.length; left++) {
    while (right < occurrences.length && occurrences[right].end - occurrences[left].start <= maxLength) {
      counts.set(occurrences[right].term, (counts.get(occurrences[right].term) ?? 0) + 1);
      right++;
    }
    const count = right - left;
    if (count > 0 && (counts.size > best.distinct || (counts.size === best.distinct && count > best.count))) {
      best = { start: occurrences[left].start, end: occurrences[right - 1].end, distinct: counts.size, count };
    }
    if (right > left) {
      const term = occurrences[left].term;
      const n = counts.get(term)! - 1;
      if (n === 0) counts.delete(term);
      else counts.set(term, n);
    } else {
      right = left + 1;
    }
  }
  return best;
}

/** Cuts [start, end) back to whole words, never past the span that must stay visible. */
function cut(text: string, start: number, end: number, keep: { start: number; end: number } | undefined): string {
  let from = start;
  if (from > 0 && !/\s/u.test(text[from - 1])) {
    const space = text.slice(from, keep?.start ?? end).search(/\s/u);
    if (space >= 0) from += space + 1;
  }
  let to = Math.min(end, text.length);
  if (to < text.length && !/\s/u.test(text[to])) {
    const lastSpace = text.slice(keep?.end ?? from, to).search(/\s\S*$/u);
    if (lastSpace >= 0) to = (keep?.end ?? from) + lastSpace;
  }
  // Blocks are separate lines in the indexed text; a snippet is one line.
  const body = text.slice(from, to).replace(/\s+/gu, ' ').trim();
  return `${from > 0 ? ELLIPSIS : ''}${body}${to < text.length ? ELLIPSIS : ''}`;
}
