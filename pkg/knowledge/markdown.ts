/**
 * Markdown to the plain text the index and the snippets read, through marked's
 * lexer: the token tree says what is prose, code, a link target or markup, which
 * a regex guesses badly (code spans holding `*`, links inside tables, HTML).
 */
import { Lexer, type Token, type Tokens } from 'marked';

export interface ParsedMarkdown {
  /** The first level-1 heading, else the file name without its extension. */
  title: string;
  /** Every heading's text, in document order. */
  headings: string[];
  /** Prose, code and table cells as plain text; link targets, HTML and markup dropped. */
  text: string;
}

export function parseMarkdown(source: string, fileName: string): ParsedMarkdown {
  const tokens = new Lexer({ gfm: true }).lex(source);
  const headings: string[] = [];
  let title: string | undefined;
  const blocks: string[] = [];
  for (const token of tokens) {
    const text = clean(tokenText(token));
    if (token.type === 'heading') {
      headings.push(text);
      if (title === undefined && (token as Tokens.Heading).depth === 1 && text !== '') title = text;
    }
    if (text !== '') blocks.push(text);
  }
  return { title: title ?? baseTitle(fileName), headings, text: blocks.join('\n') };
}

function baseTitle(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.(md|markdown)$/i, '');
}

/** Plain text of one token, its children first: a token's own `text` still holds the markup of its children. */
function tokenText(token: Token): string {
  switch (token.type) {
    case 'code':
    case 'codespan':
      return decodeEntities((token as Tokens.Code | Tokens.Codespan).text);
    case 'html':
    case 'def':
    case 'space':
    case 'hr':
    case 'checkbox':
      return '';
    case 'br':
      return ' ';
    case 'image':
      return (token as Tokens.Image).text;
    case 'table': {
      const table = token as Tokens.Table;
      const rows = [table.header, ...table.rows];
      return rows.map((cells) => cells.map((cell) => inline(cell.tokens)).join(' ')).join('\n');
    }
    case 'list':
      return (token as Tokens.List).items.map((item) => blockText(item.tokens)).join('\n');
  }
  const children = (token as { tokens?: Token[] }).tokens;
  if (children) return isBlock(token) ? blockText(children) : inline(children);
  const text = (token as { text?: unknown }).text;
  return typeof text === 'string' ? decodeEntities(text) : '';
}

const BLOCKS = new Set(['blockquote', 'list_item', 'paragraph', 'heading']);
function isBlock(token: Token): boolean {
  return BLOCKS.has(token.type);
}

function inline(tokens: Token[]): string {
  return tokens.map(tokenText).join('');
}

function blockText(tokens: Token[]): string {
  // Inline tokens (a tight list item's text) join as they are; blocks get a line each.
  return tokens.map((t) => (isBlock(t) || t.type === 'code' ? `\n${tokenText(t)}\n` : tokenText(t))).join('');
}

function clean(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Markdown text keeps entities as written (`&amp;`); the index wants the character. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] !== '#') return NAMED[body.toLowerCase()] ?? whole;
    const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}
