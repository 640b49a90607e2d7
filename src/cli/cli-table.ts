// The one table style of the CLI (cli-table3): the head coloured when colours are on
// (cli-color.ts), and on a terminal no wider than it: the widest columns give way first, their
// cells wrapped after spaces, slashes, dots or dashes, never cut off. Into a pipe a table keeps
// its natural width, so that each row stays one greppable line.
import { colors } from './cli-color.js';

export async function renderTable(
  head: string[],
  rows: readonly (readonly (string | number)[])[],
  opts: { rowLines?: boolean; width?: number } = {},
): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const cells = rows.map((r) => r.map(String));
  const width = opts.width ?? (process.stdout.isTTY ? process.stdout.columns : undefined);
  const fitted = width ? fitColumns(naturalWidths(head, cells), width) : undefined;
  const table = new Table({
    head: head.map((h) => colors.cyan(h)),
    style: { head: [], border: [] },
    ...(fitted ? { colWidths: fitted.map((w) => w + PADDING) } : {}),
    // without lines between rows, one item per line reads best
    ...(opts.rowLines === false
      ? { chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } }
      : {}),
  });
  table.push(...(fitted ? cells.map((r) => r.map((c, i) => wrapText(c, fitted[i]!))) : cells));
  return table.toString();
}

/** Spaces left and right of a cell's text. */
const PADDING = 2;
/** A column is never made narrower than this (or its natural width, when smaller). */
const MIN_COLUMN = 6;

// Code points, not display columns: Aare's tables hold names, addresses and dates.
const textWidth = (s: string): number => Math.max(0, ...s.split('\n').map((l) => [...l].length));

function naturalWidths(head: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return head.map((h, i) => Math.max(textWidth(h), ...rows.map((r) => textWidth(r[i] ?? ''))));
}

/**
 * The text widths of columns whose natural widths are `natural`, for a table at most `width`
 * characters wide with its borders; undefined when the table fits as it is. The widest columns
 * are narrowed to one common width, so short columns keep theirs.
 */
export function fitColumns(natural: readonly number[], width: number): number[] | undefined {
  const frame = natural.length + 1 + PADDING * natural.length;
  const available = width - frame;
  const sum = (cap: number) => natural.reduce((s, w) => s + Math.min(w, cap), 0);
  if (sum(Infinity) <= available) return undefined;
  let cap = MIN_COLUMN;
  while (sum(cap + 1) <= available) cap++;
  let spare = available - sum(cap);
  return natural.map((w) => {
    if (w <= cap) return w;
    const extra = spare > 0 ? 1 : 0;
    spare -= extra;
    return cap + extra;
  });
}

/** `text` broken into lines of at most `width` characters, preferably after a separator. */
export function wrapText(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string[] {
  if ([...line].length <= width) return [line];
  const lines: string[] = [];
  let current = '';
  for (let piece of line.match(/[^ /.,:-]*(?:[ /.,:-]+|$)/g) ?? []) {
    if (current && [...current].length + [...piece.trimEnd()].length > width) {
      lines.push(current.trimEnd());
      current = '';
      piece = piece.trimStart();
    }
    while ([...piece.trimEnd()].length > width) {
      const chars = [...piece];
      lines.push(chars.slice(0, width).join(''));
      piece = chars.slice(width).join('');
    }
    current += piece;
  }
  if (current.trimEnd()) lines.push(current.trimEnd());
  return lines;
}
