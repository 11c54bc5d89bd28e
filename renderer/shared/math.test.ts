import { describe, expect, it } from 'vitest';
import { extractMath } from './math';

describe('markdown math', () => {
  it('renders inline and display TeX as MathML, leaving code and prices alone', () => {
    const { text, restore } = extractMath('Euler: $e^{i\\pi} + 1 = 0$ and\n$$\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$$\n`$not_math$` costs $5 and $6.');
    expect(text).toContain('`$not_math$`');
    expect(text).toContain('costs $5 and $6.');
    expect(text.match(/LATHEMATH\d+X/g)).toHaveLength(2);
    const html = restore(text);
    expect(html).toContain('<math');
    expect(html).toContain('display="block"');
    expect(html).toContain('<annotation encoding="application/x-tex">e^{i\\pi} + 1 = 0</annotation>');
  });

  it('keeps a TeX error readable instead of failing the cell', () => {
    const { text, restore } = extractMath('bad: $\\frac{1}{$');
    expect(restore(text)).toContain('\\frac{1}{');
  });
});
