/** CSV rows to Pinpoint endpoints, every row checked, each problem with its line number. */
import type { EndpointBatchItem } from '@aws-sdk/client-pinpoint';
import { endpointItem } from './endpoints';

/** Endpoints from CSV text, or every row's problem with its line number. */
export function endpointsFromCsv(text: string): { items: EndpointBatchItem[]; rejected: string[] } {
  const records = parseCsv(text);
  const rejected: string[] = [];
  const items: EndpointBatchItem[] = [];
  const [header, ...rows] = records;
  if (!header) return { items, rejected: ['line 1: the file is empty; it needs a header row with an address column'] };
  const columns = header.fields.map((name) => name.trim());
  const addressColumn = columns.findIndex((name) => name.toLowerCase() === 'address');
  if (addressColumn < 0) return { items, rejected: [`line ${header.line}: the header has no address column`] };
  for (const name of columns) {
    if (!/^(address|endpointId|userId|attr:[^=\s]{1,50}|user:[^=\s]{1,50})$/i.test(name)) rejected.push(`line ${header.line}: unknown column "${name}"`);
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
      const found = columns.map((c, i) => [c, fields[i].trim()] as const).filter(([c, v]) => c.startsWith(prefix) && v !== '');
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
      rejected.push(`line ${line}: endpoint ${item.Id} is already on line ${earlier}`);
      continue;
    }
    seen.set(item.Id!, line);
    items.push(item);
  }
  return { items, rejected };
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. Each record keeps its first line number. */
function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      field += char;
    }
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

