/**
 * A small line-at-a-time highlighter: enough colour to read a diff, at a fraction of a full
 * grammar's size. Each language is a list of token rules folded into one sticky regex.
 * State does not carry across lines, so the inside of a multi-line comment or string shows plain.
 */
export type Token = [cls: string | null, text: string];

/** `code`: an identifier before "(" is a call and a capitalised one a type; in prose and data they are just words. */
type Language = { rules: Array<[string, string]>; keywords: Set<string>; code: boolean };

const words = (s: string) => new Set(s.split(' '));

const STRINGS = `"(?:[^"\\\\]|\\\\.)*"?|'(?:[^'\\\\]|\\\\.)*'?`;
const NUMBER = '\\b(?:0[xXbBoO][\\da-fA-F_]+|\\d[\\d_]*(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)n?\\b';
const IDENT = '[A-Za-z_$][\\w$]*';

function language(rules: Array<[string, string]>, keywords = '', code = true): Language {
  return { rules: [...rules, ['num', NUMBER], ['ident', IDENT]], keywords: words(keywords), code };
}

const C_LIKE: Array<[string, string]> = [
  ['com', '\\/\\/.*|\\/\\*.*?(?:\\*\\/|$)'],
  ['str', `${STRINGS}|\`(?:[^\`\\\\]|\\\\.)*\`?`],
];
const HASH: Array<[string, string]> = [
  ['com', '#.*'],
  ['str', STRINGS],
];

const JS =
  'abstract as async await break case catch class const continue debugger declare default delete do else enum export extends false finally for from function get if implements import in instanceof interface keyof let new null of private protected public readonly return satisfies set static super switch this throw true try type typeof undefined var void while yield';

const SQL =
  'select from where and or not insert into values update set delete create table index drop alter join left right inner outer on as group by order having limit null primary key references default';

const LANGUAGES: Record<string, Language> = {
  js: language(C_LIKE, JS),
  c: language(
    C_LIKE,
    'auto bool break case catch char class const continue default delete do double else enum extern false final float for fn func go if impl import int interface let long loop match mod mut namespace new nil null override package private protected pub public return self short signed static struct super switch template this throw true try type typedef union unsigned use using var virtual void volatile where while',
  ),
  py: language(
    [
      ['com', '#.*'],
      ['str', `[rbfuRBFU]{0,2}(?:${STRINGS})`],
      ['kw', '@[\\w.]+'],
    ],
    'and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return self True try while with yield',
  ),
  sh: language(
    [...HASH, ['var', '\\$\\{?[\\w@#?*!-]+\\}?']],
    'case do done elif else esac export fi for function if in local readonly return set then unset until while',
  ),
  rb: language(
    HASH,
    'begin class def do else elsif end ensure false if module nil require return self then true unless until when while yield',
  ),
  yaml: language([...HASH, ['attr', '^\\s*-?\\s*[\\w./-]+(?=\\s*:)']], 'true false null yes no on off', false),
  toml: language([...HASH, ['attr', '^\\s*[\\w.-]+(?=\\s*=)'], ['kw', '^\\s*\\[.*\\]']], 'true false', false),
  json: language(
    [
      ['attr', '"(?:[^"\\\\]|\\\\.)*"(?=\\s*:)'],
      ['str', STRINGS],
    ],
    'true false null',
    false,
  ),
  css: language(
    [
      ['com', '\\/\\*.*?(?:\\*\\/|$)'],
      ['str', STRINGS],
      ['kw', '@[\\w-]+'],
      ['attr', '[\\w-]+(?=\\s*:[^:])'],
      ['num', '#[\\da-fA-F]{3,8}\\b'],
    ],
    'important inherit initial none auto',
    false,
  ),
  html: language(
    [
      ['com', '<!--.*?(?:-->|$)'],
      ['kw', '<\\/?[\\w:-]+|\\/?>'],
      ['attr', '[\\w:@.-]+(?==)'],
      ['str', STRINGS],
    ],
    '',
    false,
  ),
  md: language(
    [
      ['kw', '^#{1,6} .*'],
      ['str', '`[^`]*`?'],
      ['attr', '^\\s*(?:[-*+]|\\d+\\.)\\s'],
      ['com', '^>.*'],
    ],
    '',
    false,
  ),
  sql: language(
    [
      ['com', '--.*'],
      ['str', STRINGS],
    ],
    `${SQL} ${SQL.toUpperCase()}`,
    false,
  ),
};

const EXTENSIONS: Array<[string, string]> = [
  ['js', 'js jsx mjs cjs ts tsx mts cts'],
  ['c', 'c h cc cpp hpp cs java kt go rs swift dart scala php'],
  ['py', 'py'],
  ['sh', 'sh bash zsh'],
  ['rb', 'rb'],
  ['yaml', 'yml yaml'],
  ['toml', 'toml'],
  ['json', 'json jsonc'],
  ['css', 'css scss less'],
  ['html', 'html htm xml svg vue svelte'],
  ['md', 'md markdown'],
  ['sql', 'sql'],
];
const BY_EXTENSION = new Map(EXTENSIONS.flatMap(([lang, exts]) => exts.split(' ').map((ext) => [ext, lang] as const)));

const compiled = new Map<Language, RegExp>();

function regexFor(lang: Language): RegExp {
  let re = compiled.get(lang);
  if (!re) {
    re = new RegExp(lang.rules.map(([, source]) => `(${source})`).join('|'), 'gm');
    compiled.set(lang, re);
  }
  return re;
}

export function languageOf(path: string): Language | null {
  const name = path.split('/').pop() ?? '';
  if (name === 'Dockerfile' || name === 'Makefile') return LANGUAGES.sh ?? null;
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  const key = BY_EXTENSION.get(ext);
  return key ? (LANGUAGES[key] ?? null) : null;
}

export function highlight(text: string, lang: Language | null): Token[] {
  if (!lang || text.length > 2_000) return [[null, text]];
  const re = regexFor(lang);
  const out: Token[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    const rule = m.findIndex((g, i) => i > 0 && g !== undefined) - 1;
    let cls = lang.rules[rule]?.[0] ?? null;
    if (cls === 'ident') {
      const next = text.charAt(re.lastIndex);
      cls = lang.keywords.has(m[0]) ? 'kw' : !lang.code ? null : next === '(' ? 'fn' : /^[A-Z]/.test(m[0]) ? 'type' : null;
    }
    if (cls === null) continue;
    if (m.index > last) out.push([null, text.slice(last, m.index)]);
    out.push([cls, m[0]]);
    last = re.lastIndex;
  }
  if (last < text.length) out.push([null, text.slice(last)]);
  return out;
}
