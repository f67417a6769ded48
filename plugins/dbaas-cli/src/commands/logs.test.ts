import { linesAfter } from './logs';

describe('linesAfter', () => {
  it('prints only what came after the lines already printed', () => {
    expect(linesAfter([], ['a', 'b'])).toEqual(['a', 'b']);
    expect(linesAfter(['a', 'b', 'c'], ['b', 'c', 'd', 'e'])).toEqual([
      'd',
      'e',
    ]);
    expect(linesAfter(['a', 'b'], ['a', 'b'])).toEqual([]);
  });

  it('prints everything when the printed lines are gone (the log was cut)', () => {
    expect(linesAfter(['x', 'y'], ['a', 'b'])).toEqual(['a', 'b']);
  });

  it('matches several lines, so a repeated line is not taken for the last one', () => {
    expect(
      linesAfter(['ok', 'ok', 'done'], ['ok', 'ok', 'done', 'ok', 'new']),
    ).toEqual(['ok', 'new']);
  });
});
