import { remembered } from './remembered.js';

describe('remembered', () => {
  it('computes once per argument and answers the same value after', () => {
    let calls = 0;
    const double = remembered((n: number) => {
      calls++;
      return { n: 2 * n };
    });
    const a = double(3);
    expect(double(3)).toBe(a);
    expect(double(4)).toEqual({ n: 8 });
    expect(calls).toBe(2);
  });

  it('stays bounded: full, it forgets everything and computes again', () => {
    let calls = 0;
    const id = remembered((s: string) => {
      calls++;
      return s.length;
    }, 2);
    id('a');
    id('bb');
    id('ccc'); // full at 2: cleared, then kept
    id('a');
    expect(calls).toBe(4);
    id('ccc');
    expect(calls).toBe(4);
  });
});
