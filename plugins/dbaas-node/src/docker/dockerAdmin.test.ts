import { parseMariadbRows, parsePsqlRows } from '../adminCommands';

describe('admin query output', () => {
  it("reads psql's unaligned rows with unit/record separators, \\N as NULL", () => {
    const out = 'a\u001fb c\u001e\\N\u001fline1\nline2\n';
    expect(parsePsqlRows(out)).toEqual([
      ['a', 'b c'],
      [null, 'line1\nline2'],
    ]);
    expect(parsePsqlRows('')).toEqual([]);
  });

  it("reads mariadb's batch rows, undoing its escapes, NULL as null", () => {
    const out = 'a\\tb\tNULL\nx\\\\y\tline1\\nline2\n';
    expect(parseMariadbRows(out)).toEqual([
      ['a\tb', null],
      ['x\\y', 'line1\nline2'],
    ]);
  });
});
