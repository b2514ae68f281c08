// RFC 4180 CSV, just enough for the batch form of `osteoflow extract`: a header row, quoted fields with "" escapes,
// CRLF or LF line ends. Bad input names the file and the line.
import { RadiomicsInputError } from '../../imaging/errors';

export function parseCsv(text: string, file?: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark from spreadsheet exports
  const endRecord = () => {
    record.push(field);
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
    } else field += c;
  }
  if (quoted) throw new RadiomicsInputError(`unterminated quoted field (line ${line})`, { file, field: 'csv', expected: 'a closing "' });
  if (field !== '' || record.length > 0) endRecord();
  const [header, ...rows] = records;
  if (!header) throw new RadiomicsInputError('empty CSV', { file, field: 'header', expected: 'a header row' });
  rows.forEach((r, k) => {
    if (r.length !== header.length) {
      throw new RadiomicsInputError(`row ${k + 2} has ${r.length} fields, the header ${header.length}`, {
        file,
        field: `row ${k + 2}`,
        expected: `${header.length} fields`,
      });
    }
  });
  return { header, rows };
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',');
}
