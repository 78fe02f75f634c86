/**
 * Text helpers shared by extraction and query parsing: string normalisation (R4 search.html#string:
 * case- and accent-insensitive), regex escaping, and the search-value escaping rules (search.html#escaping:
 * `\,` `\$` `\|` `\\`).
 */

const DIACRITICS = /[\u0300-\u036f]/g;
const WHITESPACE = /\s+/g;
const ASCII = /^[\x20-\x7e]*$/;

/** Lowercases, strips diacritics (NFD combining marks) and collapses whitespace. */
export function normaliseString(value: string): string {
  const plain = ASCII.test(value) ? value : value.normalize('NFD').replace(DIACRITICS, '');
  return plain.toLowerCase().replace(WHITESPACE, ' ').trim();
}

/** Escapes every regular-expression metacharacter so the text matches literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits on `sep` where it is not escaped by a backslash; escapes are kept for `unescapeValue`. */
export function splitEscaped(value: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** Removes the search escapes: `\,` → `,`, `\|` → `|`, `\$` → `$`, `\\` → `\`. */
export function unescapeValue(value: string): string {
  return value.replace(/\\([,|$\\])/g, '$1');
}
