// A small SVG line plot for bench results, written by the bench itself (no external service); pure: data in, text out.

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Dashed horizontal lines, e.g. a target. */
  marks?: readonly { y: number; label: string }[];
  width?: number;
  height?: number;
}

const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A "nice" upper bound and step for an axis from 0 to max: 1, 2 or 5 times a power of ten. */
export function niceAxis(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  return { top: Math.ceil(max / step) * step, step };
}

const label = (v: number): string =>
  Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(2)}`;

export function svgLinePlot(spec: PlotSpec): string {
  const width = spec.width ?? 800;
  const height = spec.height ?? 420;
  const m = { left: 70, right: 170, top: 40, bottom: 50 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const all = spec.series.flatMap((s) => s.points);
  const x = niceAxis(Math.max(0, ...all.map((p) => p[0])));
  const y = niceAxis(Math.max(0, ...all.map((p) => p[1]), ...(spec.marks ?? []).map((k) => k.y)));
  const px = (v: number) => m.left + (v / x.top) * w;
  const py = (v: number) => m.top + h - (v / y.top) * h;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(spec.title)}</text>`,
  ];
  for (let v = 0; v <= y.top + 1e-9; v += y.step) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + w}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${py(v) + 4}" text-anchor="end">${label(v)}</text>`,
    );
  }
  for (let v = 0; v <= x.top + 1e-9; v += x.step) {
    out.push(`<text x="${px(v)}" y="${m.top + h + 18}" text-anchor="middle">${label(v)}</text>`);
  }
  out.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + h}" stroke="black"/>`,
    `<line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" stroke="black"/>`,
    `<text x="${m.left + w / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  for (const k of spec.marks ?? []) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + w}" y1="${py(k.y)}" y2="${py(k.y)}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<text x="${m.left + w - 4}" y="${py(k.y) - 4}" text-anchor="end" fill="#555">${escapeXml(k.label)}</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const colour = colours[i % colours.length]!;
    const pts = s.points.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(' ');
    if (s.points.length > 1)
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}"/>`);
    for (const [a, b] of s.points.length <= 20 ? s.points : [])
      out.push(`<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = m.top + 10 + i * 20;
    out.push(
      `<line x1="${m.left + w + 15}" x2="${m.left + w + 35}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${m.left + w + 40}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
