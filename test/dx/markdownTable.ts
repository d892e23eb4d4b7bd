/** Reads GitHub-flavoured markdown tables out of docs, so tests check the docs people actually read. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../infra/tools.js';

export interface MarkdownTable {
    readonly header: readonly string[];
    readonly rows: readonly (readonly string[])[];
}

export function readDoc(relativePath: string): string {
    return readFileSync(join(repoRoot, relativePath), 'utf8');
}

/** Splits `| a | b |` into cells; `\|` inside a cell is kept as a literal bar. */
function cells(line: string): string[] {
    const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
    return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const DELIMITER = /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/;

/** Every table in the text: a header line, a delimiter line, then rows until a line that is not a row. */
export function markdownTables(markdown: string): MarkdownTable[] {
    const lines = markdown.split(/\r?\n/);
    const tables: MarkdownTable[] = [];
    for (let i = 0; i + 1 < lines.length; i++) {
        const headerLine = lines[i] ?? '';
        const delimiterLine = lines[i + 1] ?? '';
        if (!headerLine.trim().startsWith('|') || !DELIMITER.test(delimiterLine.trim())) continue;
        const header = cells(headerLine);
        const rows: string[][] = [];
        let j = i + 2;
        for (; j < lines.length && (lines[j] ?? '').trim().startsWith('|'); j++) rows.push(cells(lines[j] ?? ''));
        tables.push({ header, rows });
        i = j - 1;
    }
    return tables;
}

/** The one table whose header has all these columns (matched without backticks), as objects keyed by them. */
export function tableWithColumns<const C extends string>(markdown: string, columns: readonly C[]): Record<C, string>[] {
    const strip = (s: string): string => s.replace(/`/g, '').trim();
    const matches = markdownTables(markdown).filter((t) => columns.every((c) => t.header.map(strip).includes(c)));
    if (matches.length !== 1) throw new Error(`expected one table with columns ${columns.join(', ')}, found ${matches.length}`);
    const table = matches[0]!;
    const index = columns.map((c) => table.header.map(strip).indexOf(c));
    return table.rows.map((row) => {
        if (row.length !== table.header.length)
            throw new Error(`table row has ${row.length} cells, header has ${table.header.length}: ${row.join(' | ')}`);
        return Object.fromEntries(columns.map((c, k) => [c, row[index[k]!] ?? ''])) as Record<C, string>;
    });
}

/** `https://x` from a cell written as `` `https://x` ``: the one code span in the cell, else the whole cell. */
export function codeIn(cell: string): string {
    const spans = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    if (spans.length === 1) return spans[0]!;
    if (spans.length === 0) return cell.trim();
    throw new Error(`cell has ${spans.length} code spans, expected one: ${cell}`);
}
