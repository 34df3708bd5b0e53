import { describe, expect, it } from 'vitest';
import { TsmesosError } from '../../src/domain/errors.js';
import { badRequest } from '../helpers/errors.js';
import { attributesToLegacyJson, attributesToString, parseAttributes } from '../../src/domain/attributes.js';


describe('parseAttributes', () => {
  it('parses text, scalar and ranges, preserving order', () => {
    expect(parseAttributes('rack:r1;level:10;keys:[1000-1500];os:ubuntu-22.04;path:/a/b')).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 10 } },
      { name: 'keys', type: 'RANGES', ranges: { range: [{ begin: 1000, end: 1500 }] } },
      { name: 'os', type: 'TEXT', text: { value: 'ubuntu-22.04' } },
      { name: 'path', type: 'TEXT', text: { value: '/a/b' } },
    ]);
    expect(parseAttributes('z:1;a:2').map((a) => a.name)).toEqual(['z', 'a']);
  });

  it('treats numeric-looking values as SCALAR, others as TEXT', () => {
    const types = parseAttributes('a:1.5;b:-2;c:.5;d:1.2.3;e:1e3;f:0x10').map((a) => a.type);
    expect(types).toEqual(['SCALAR', 'SCALAR', 'SCALAR', 'TEXT', 'TEXT', 'TEXT']);
  });

  it('tolerates whitespace and empty tokens; empty text gives []', () => {
    expect(parseAttributes('  rack : r1 ;; keys : [ 1-2 , 3-4 ] ; ')).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'keys', type: 'RANGES', ranges: { range: [{ begin: 1, end: 4 }] } },
    ]);
    expect(parseAttributes('')).toEqual([]);
    expect(parseAttributes(' ; ')).toEqual([]);
  });

  const cases: Array<[string, RegExp]> = [
    ['rack', /'rack'.*missing ':'/],
    ['rack:', /'rack:'.*empty/],
    [':r1', /name must not be empty/],
    ['rack:r1;rack:r2', /duplicate attribute 'rack'/],
    ['rack:r 1', /'rack:r 1'.*value 'r 1' must be text/],
    ['rack:{a,b}', /'rack:\{a,b\}'.*must be text/],
    ['rack:ünï', /value 'ünï'/],
    ['keys:[5-1]', /'keys:\[5-1\]'.*inverted/],
    ['keys:[1-2', /unterminated/],
    ['keys:[1-2]x', /after '\]'/],
    ['ra ck:1', /name 'ra ck'/],
    [`big:${'9'.repeat(400)}`, /out of range/],
  ];
  for (const [text, re] of cases) {
    it(`rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
      expect(badRequest(() => parseAttributes(text))).toMatch(re);
    });
  }

  it('handles 100k-character input quickly', () => {
    const start = performance.now();
    for (const text of [`a:${'b'.repeat(100_000)}!`, `a:${'1.'.repeat(50_000)}`, 'x:1;'.repeat(25_000)]) {
      try {
        parseAttributes(text);
      } catch (e) {
        expect(e).toBeInstanceOf(TsmesosError);
      }
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('attribute rendering', () => {
  it('renders legacy JSON', () => {
    expect(attributesToLegacyJson(parseAttributes('rack:r1;level:10;keys:[1000-1500,2000-2001]'))).toEqual({
      rack: 'r1', level: 10, keys: '[1000-1500, 2000-2001]',
    });
    expect(attributesToLegacyJson([])).toEqual({});
    const proto = attributesToLegacyJson(parseAttributes('__proto__:x'));
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('round-trips through text', () => {
    const text = 'rack:r1;level:10.25;keys:[1-4,10-20];neg:-3';
    expect(attributesToString(parseAttributes(text))).toBe(text);
    const attrs = parseAttributes('a:x;b:007;c:[5-6,1-2]');
    expect(parseAttributes(attributesToString(attrs))).toEqual(attrs);
    expect(attributesToString([])).toBe('');
  });
});
