// Unit tests for the bench's SVG plot writer: axes, one line per series, escaped text, target marks.
import { expect } from 'chai';
import { escapeXml, niceAxis, svgLinePlot } from '../../../bench/e2e/plot.ts';

describe('bench e2e plot', () => {
  it('rounds an axis up to 1, 2 or 5 times a power of ten', () => {
    expect(niceAxis(93)).to.deep.equal({ top: 100, step: 20 });
    expect(niceAxis(1_234)).to.deep.equal({ top: 1_500, step: 500 });
    expect(niceAxis(0)).to.deep.equal({ top: 1, step: 0.2 });
  });

  it('draws one polyline per series with a legend, and the marks dashed', () => {
    const svg = svgLinePlot({
      title: 'Reply <latency> & load',
      xLabel: 'offered/s',
      yLabel: 'ms',
      series: [
        {
          name: 'p50',
          points: [
            [100, 10],
            [500, 20],
            [1000, 80],
          ],
        },
        {
          name: 'p95',
          points: [
            [100, 30],
            [500, 60],
            [1000, 400],
          ],
        },
      ],
      marks: [{ y: 250, label: 'target' }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    expect(svg.match(/<polyline /g)).to.have.length(2);
    expect(svg).to.contain('stroke-dasharray');
    expect(svg).to.contain('Reply &#60;latency&#62; &#38; load');
    expect(svg).to.contain('>p95</text>');
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
  });

  it('escapes every character that could break the markup', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).not.to.match(/[<>"'&](?!#)/);
  });
});
