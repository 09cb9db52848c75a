import { describe, expect, it } from 'vitest';
import { parsePromText, parseSampleValue, unescapeLabelValue } from '../../assertions/verdict/prom-text.ts';

const one = (line: string) => {
  const s = parsePromText(line);
  expect(s, line).toHaveLength(1);
  return s[0]!;
};

describe('parsePromText: sample values', () => {
  it('should read +Inf and -Inf as infinities when a histogram bucket or gauge carries them', () => {
    expect(one('http_duration_bucket{le="+Inf"} +Inf').value).toBe(Infinity);
    expect(one('temperature_delta -Inf').value).toBe(-Infinity);
    expect(one('http_duration_bucket{le="+Inf"} 17').labels).toEqual({ le: '+Inf' });
  });

  it('should read NaN as NaN, not skip the sample', () => {
    expect(one('ratio{job="a"} NaN').value).toBeNaN();
  });

  it('should read every spelling Go\'s ParseFloat takes for them, in any case', () => {
    expect(['Inf', '+inf', 'INF', 'Infinity', '+Infinity'].map(parseSampleValue)).toEqual([Infinity, Infinity, Infinity, Infinity, Infinity]);
    expect(parseSampleValue('-inf')).toBe(-Infinity);
    expect(parseSampleValue('nan')).toBeNaN();
    expect(parseSampleValue('1.5e3')).toBe(1500);
  });

  it('should skip a line whose value is not a number', () => {
    expect(parsePromText('up banana\nup 1')).toEqual([{ name: 'up', labels: {}, value: 1 }]);
  });

  it('should ignore a timestamp, negative ones included', () => {
    expect(one('up 1 1700000000000').value).toBe(1);
    expect(one('up{a="b"} 2 -5').value).toBe(2);
  });
});

describe('parsePromText: label values', () => {
  it('should turn \\n into a newline', () => {
    expect(one('m{msg="line one\\nline two"} 1').labels.msg).toBe('line one\nline two');
  });

  it('should turn \\" into a quote, and keep the value whole around it', () => {
    expect(one('m{q="say \\"hi\\"",z="1"} 1').labels).toEqual({ q: 'say "hi"', z: '1' });
  });

  it('should turn \\\\ into one backslash, also right before the closing quote', () => {
    expect(one('m{path="C:\\\\temp\\\\"} 1').labels.path).toBe('C:\\temp\\');
    // An escaped backslash then n is a backslash and the letter n, not a newline.
    expect(unescapeLabelValue('a\\\\nb')).toBe('a\\nb');
  });

  it('should keep braces, commas and spaces that are inside a label value', () => {
    expect(one('m{v="a} 2, b=\\"c\\""} 3')).toEqual({ name: 'm', labels: { v: 'a} 2, b="c"' }, value: 3 });
  });

  it('should accept a trailing comma and blanks around the label pairs', () => {
    expect(one('m { a = "1" , b="2", } 4')).toEqual({ name: 'm', labels: { a: '1', b: '2' }, value: 4 });
  });

  it('should skip a line whose labels are malformed', () => {
    expect(parsePromText('m{a="unterminated} 1\nm{a=1} 2\nup 1')).toEqual([{ name: 'up', labels: {}, value: 1 }]);
  });
});
