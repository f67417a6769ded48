import {
  parseMariadbRows,
  parsePsqlRows,
  serverMessage,
} from '../adminCommands';

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

  it("keeps a statement's text and passwords out of the server's message", () => {
    const sql = "CREATE ROLE x PASSWORD 'sekrit-pass' LOGIN BAD";
    const psql = [
      'psql:/tmp/dbaas-admin-1.sql:1: ERROR:  syntax error at or near "BAD"',
      "LINE 1: CREATE ROLE x PASSWORD 'sekrit-pass' LOGIN BAD",
      '                                                 ^',
    ].join('\n');
    expect(serverMessage(psql, sql)).toBe(
      'ERROR:  syntax error at or near "BAD"',
    );
    const mariadb =
      "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; check the manual near 'IDENTIFIED BY 'sekrit-pass' x' at line 1";
    expect(serverMessage(mariadb, sql)).not.toContain('sekrit-pass');
  });
});
