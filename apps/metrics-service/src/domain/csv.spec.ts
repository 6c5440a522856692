import { csvCell, csvRecord } from './csv';

describe('CSV (RFC 4180)', () => {
  it('neutralises text cells that a spreadsheet would run as a formula, and leaves numbers untouched', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(0)).toBe('0');
    expect(csvCell('PET')).toBe('PET');
  });

  it('quotes commas, quotes and line breaks, ends records with CRLF and keeps UTF-8 text as is', () => {
    expect(csvRecord(['a,b', 'say "hi"', 'two\nlines', null, 12, 'Ŵoza'])).toBe('"a,b","say ""hi""","two\nlines",,12,Ŵoza\r\n');
  });
});
