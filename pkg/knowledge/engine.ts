/**
 * The full-text index over parsed documents (minisearch: BM25+ ranking over a
 * radix tree, with prefix and fuzzy term lookup). No I/O: build and search are
 * pure over their inputs, so the loader and the watcher stay apart from them.
 */
import MiniSearch, { type Options, type SearchOptions } from 'minisearch';
import { normalizeQuery, parseLimit } from './params.ts';
import { makeSnippet } from './snippet.ts';

export interface KnowledgeDocument {
  /** The path relative to the knowledge folder, `/`-separated: stable across reindexes. */
  id: string;
  /** The same relative path: the folder's own location on the server is never shown. */
  path: string;
  title: string;
  headings: string[];
  text: string;
}

export interface SearchHit {
  title: string;
  path: string;
  score: number;
  snippet: string;
}

export interface SearchResponse {
  /** The normalised query that was run. */
  query: string;
  /** Documents matching, before `limit`. */
  total: number;
  results: SearchHit[];
}

/** Field weights: a term in a title says more about a document than the same term in its body. */
const FIELD_BOOST = { title: 3, headings: 2, text: 1 } as const;
/** Fuzzy matching allows 0.2 edits per character (so 1 edit from 5 characters, 2 from 10)... */
const FUZZY = 0.2;
/** ...only for terms of at least 4 characters (shorter ones would match too much)... */
const FUZZY_MIN_LENGTH = 4;
/** ...and never more than 2 edits, which bounds the radix-tree walk. */
const MAX_FUZZY = 2;

const searchOptions: SearchOptions = {
  boost: { ...FIELD_BOOST },
  // The last term is the one still being typed: `kuber` finds `kubernetes`.
  prefix: (_term, i, terms) => i === terms.length - 1,
  fuzzy: (term) => (term.length >= FUZZY_MIN_LENGTH ? FUZZY : false),
  maxFuzzy: MAX_FUZZY,
  combineWith: 'OR',
};

type IndexedFields = Pick<KnowledgeDocument, 'id' | 'title' | 'headings' | 'text'>;

const indexOptions: Options<IndexedFields> = {
  idField: 'id',
  fields: ['title', 'headings', 'text'],
  storeFields: [],
  extractField: (doc, field) => {
    const value = doc[field as keyof IndexedFields];
    return Array.isArray(value) ? value.join('\n') : value;
  },
  // Documents and queries fold to the same form (normalizeQuery's NFKC and lowercase).
  processTerm: (term) => normalizeQuery(term) || null,
  searchOptions,
};

export interface SearchIndex {
  readonly documents: number;
  search(query: string, limit: number): SearchResponse;
}

/** Builds an index, yielding to the event loop between chunks so searches on the previous index keep answering meanwhile. */
export async function buildIndex(docs: readonly KnowledgeDocument[], chunkSize = 100): Promise<SearchIndex> {
  const mini = new MiniSearch<IndexedFields>(indexOptions);
  await mini.addAllAsync(docs, { chunkSize });
  return wrap(mini, docs);
}

/** The same index, built in one synchronous pass (tests, small folders). */
export function buildIndexSync(docs: readonly KnowledgeDocument[]): SearchIndex {
  const mini = new MiniSearch<IndexedFields>(indexOptions);
  mini.addAll(docs);
  return wrap(mini, docs);
}

function wrap(mini: MiniSearch<IndexedFields>, docs: readonly KnowledgeDocument[]): SearchIndex {
  const byId = new Map(docs.map((d) => [d.id, d]));
  return {
    documents: byId.size,
    search(rawQuery, rawLimit) {
      const query = normalizeQuery(rawQuery);
      const limit = parseLimit(rawLimit);
      if (query === '') return { query, total: 0, results: [] };
      const found = mini.search(query);
      const results = found.slice(0, limit).map((hit): SearchHit => {
        const doc = byId.get(hit.id as string)!;
        return { title: doc.title, path: doc.path, score: hit.score, snippet: makeSnippet(doc.text, hit.terms) };
      });
      return { query, total: found.length, results };
    },
  };
}
