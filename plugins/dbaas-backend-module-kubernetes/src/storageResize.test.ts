import { quantityBytes } from './storageResize';

describe('quantityBytes', () => {
  it('reads the quantities a claim may request', () => {
    expect(quantityBytes('2Gi')).toBe(2 * 2 ** 30);
    expect(quantityBytes('6144Mi')).toBe(6 * 2 ** 30);
    expect(quantityBytes('1.5Ti')).toBe(1.5 * 2 ** 40);
    expect(quantityBytes('5G')).toBe(5e9);
    expect(quantityBytes('1e9')).toBe(1e9);
    expect(quantityBytes('1073741824')).toBe(2 ** 30);
  });

  it('reads nothing from what is no quantity', () => {
    expect(quantityBytes(undefined)).toBeUndefined();
    expect(quantityBytes('')).toBeUndefined();
    expect(quantityBytes('2 gigabytes')).toBeUndefined();
    expect(quantityBytes('2Xi')).toBeUndefined();
  });
});
