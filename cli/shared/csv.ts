/** CSV rows to Pinpoint endpoints, every row checked, each problem with its line number. */
import type { EndpointBatchItem } from '@aws-sdk/client-pinpoint';
import { parse } from 'csv-parse/sync';
import { FORBIDDEN_KEYS } from '../../lambda/contract';
import { maskEndpointId, maskRecipient } from '../../lambda/domain';
import { endpointItem } from './endpoints';

/** Endpoints from CSV text, or every row's problem with its line number. */
export function endpointsFromCsv(text: string): { items: EndpointBatchItem[]; rejected: string[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    // A quote left open would swallow the rows after it: nothing is imported, and the line is named.
    const { code, lines } = error as { code?: string; lines?: number };
    const problem = code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is not closed' : `the file is not valid CSV (${code ?? 'unknown error'})`;
    return { items: [], rejected: [`line ${lines ?? 1}: ${problem}`] };
  }
  const rejected: string[] = [];
  const items: EndpointBatchItem[] = [];
  const [header, ...rows] = records;
  if (!header) return { items, rejected: ['line 1: the file is empty; it needs a header row with an address column'] };
  const columns = header.fields.map((name) => name.trim());
  const addressColumn = columns.findIndex((name) => name.toLowerCase() === 'address');
  if (addressColumn < 0) return { items, rejected: [`line ${header.line}: the header has no address column`] };
  for (const name of columns) {
    if (!/^(address|endpointId|userId|attr:[^=\s]{1,50}|user:[^=\s]{1,50})$/i.test(name)) rejected.push(`line ${header.line}: unknown column "${name}"`);
    else if (FORBIDDEN_KEYS.has(name.replace(/^(attr|user):/i, ''))) rejected.push(`line ${header.line}: column "${name}" uses a reserved name`);
  }
  const seen = new Map<string, number>();
  for (const { line, fields } of rows) {
    if (fields.every((field) => field.trim() === '')) continue;
    if (fields.length !== columns.length) {
      rejected.push(`line ${line}: ${fields.length} fields, but the header has ${columns.length}`);
      continue;
    }
    const value = (name: string) => fields[columns.findIndex((c) => c.toLowerCase() === name.toLowerCase())]?.trim() || undefined;
    const prefixed = (prefix: string) => {
      // Prefixes in any case, as the header check accepts them: User:FirstName is user:FirstName.
      const found = columns.map((c, i) => [c, fields[i].trim()] as const).filter(([c, v]) => c.toLowerCase().startsWith(prefix) && v !== '');
      return found.length ? Object.fromEntries(found.map(([c, v]) => [c.slice(prefix.length), [v]])) : undefined;
    };
    const item = endpointItem(fields[addressColumn].trim(), {
      endpointId: value('endpointId'), userId: value('userId'), attributes: prefixed('attr:'), userAttributes: prefixed('user:'),
    });
    if (typeof item === 'string') {
      rejected.push(`line ${line}: ${item}`);
      continue;
    }
    const earlier = seen.get(item.Id!);
    if (earlier !== undefined) {
      rejected.push(`line ${line}: ${maskRecipient(item.Address!)} (endpoint ${maskEndpointId(item.Id!)}) is already on line ${earlier}`);
      continue;
    }
    seen.set(item.Id!, line);
    items.push(item);
  }
  return { items, rejected };
}

/** RFC 4180 CSV, by csv-parse: quoted fields may hold commas, quotes ("") and line breaks. Each record keeps its first line number. */
function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records = parse(text, { info: true, raw: true, relax_column_count: true, skip_empty_lines: false, bom: true }) as unknown as
    { record: string[]; info: { lines: number }; raw: string }[];
  return records.map(({ record, info, raw }) => ({ line: info.lines - (raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0), fields: record }));
}
