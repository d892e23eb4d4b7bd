import type { BenchResults } from './BenchResults.js';
import type { Summary } from './summary.js';

interface Series {
    readonly label: string;
    readonly color: string;
    readonly points: readonly { readonly x: number; readonly y: Summary }[];
}

interface Panel {
    readonly title: string;
    readonly yLabel: string;
    readonly series: readonly Series[];
    /** A horizontal goal line. */
    readonly goal?: { readonly y: number; readonly label: string };
}

const WIDTH = 420;
const HEIGHT = 300;
const M = { left: 60, right: 20, top: 40, bottom: 70 };

function escape(text: string): string {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(value: number): number {
    const step = 10 ** Math.floor(Math.log10(value || 1));
    return Math.ceil(value / step) * step;
}

function renderPanel(panel: Panel, xs: readonly number[], offsetX: number): string {
    const plotW = WIDTH - M.left - M.right;
    const plotH = HEIGHT - M.top - M.bottom;
    const allY = panel.series.flatMap((s) => s.points.map((p) => p.y.max)).concat(panel.goal === undefined ? [] : [panel.goal.y]);
    const yMax = niceMax(Math.max(...allY) * 1.1);
    const [lo, hi] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
    // Log scale for directory size; one size alone sits in the middle.
    const px = (x: number): number => M.left + (hi === lo ? plotW / 2 : ((Math.log10(x) - lo) / (hi - lo)) * plotW);
    const py = (y: number): number => M.top + plotH - (y / yMax) * plotH;
    const out: string[] = [`<g transform="translate(${offsetX},0)">`];
    out.push(`<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-weight="bold">${escape(panel.title)}</text>`);
    out.push(`<line x1="${M.left}" y1="${M.top + plotH}" x2="${M.left + plotW}" y2="${M.top + plotH}" stroke="#333"/>`);
    out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + plotH}" stroke="#333"/>`);
    for (let i = 0; i <= 4; i += 1) {
        const y = (yMax * i) / 4;
        out.push(`<line x1="${M.left}" y1="${py(y)}" x2="${M.left + plotW}" y2="${py(y)}" stroke="#ddd"/>`);
        out.push(
            `<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${Math.round(y).toLocaleString('en-US')}</text>`,
        );
    }
    for (const x of xs) {
        out.push(`<text x="${px(x)}" y="${M.top + plotH + 16}" text-anchor="middle" font-size="11">${x.toLocaleString('en-US')}</text>`);
    }
    out.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH + 34}" text-anchor="middle" font-size="12">users in the directory</text>`);
    out.push(
        `<text transform="translate(14,${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escape(panel.yLabel)}</text>`,
    );
    if (panel.goal !== undefined) {
        const y = py(panel.goal.y);
        out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + plotW}" y2="${y}" stroke="#c00" stroke-dasharray="5,4"/>`);
        out.push(
            `<text x="${M.left + plotW - 4}" y="${y - 4}" text-anchor="end" font-size="11" fill="#c00">${escape(panel.goal.label)}</text>`,
        );
    }
    panel.series.forEach((series, index) => {
        const path = series.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)},${py(p.y.median)}`).join(' ');
        if (series.points.length > 1) out.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"/>`);
        for (const p of series.points) {
            // Whiskers: min..max over the runs.
            out.push(`<line x1="${px(p.x)}" y1="${py(p.y.min)}" x2="${px(p.x)}" y2="${py(p.y.max)}" stroke="${series.color}"/>`);
            out.push(`<circle cx="${px(p.x)}" cy="${py(p.y.median)}" r="3.5" fill="${series.color}"/>`);
        }
        const ly = M.top + plotH + 50 + (index % 2) * 14;
        const lx = M.left + Math.floor(index / 2) * 170;
        out.push(`<rect x="${lx}" y="${ly - 8}" width="10" height="10" fill="${series.color}"/>`);
        out.push(`<text x="${lx + 14}" y="${ly + 1}" font-size="11">${escape(series.label)}</text>`);
    });
    out.push('</g>');
    return out.join('\n');
}

/** Throughput and peak RSS against directory size, as a self-contained SVG (median dots, min..max whiskers). */
export function renderChart(r: BenchResults): string {
    const perSecond = (ms: Summary): Summary => ({
        median: r.throughput.users / (ms.median / 1000),
        min: r.throughput.users / (ms.max / 1000),
        max: r.throughput.users / (ms.min / 1000),
        runs: ms.runs,
    });
    const unloaded = r.throughput.byLatency.find((f) => f.latencyMs === 0) ?? r.throughput.byLatency[0];
    const at = (y: Summary): { x: number; y: Summary }[] => [{ x: r.throughput.users, y }];
    const throughput: Panel = {
        title: 'Export throughput',
        yLabel: 'users per second',
        series: [
            { label: 'pipeline → Azurite', color: '#1f77b4', points: r.memory.map((m) => ({ x: m.users, y: m.usersPerSecond })) },
            ...(unloaded === undefined
                ? []
                : [
                      { label: 'bare fetch baseline', color: '#2ca02c', points: at(perSecond(unloaded.baselineMs)) },
                      { label: 'pipeline → discard', color: '#ff7f0e', points: at(perSecond(unloaded.discardMs)) },
                  ]),
        ],
    };
    const memory: Panel = {
        title: 'Export peak RSS',
        yLabel: 'MB',
        series: [{ label: 'pipeline → Azurite', color: '#9467bd', points: r.memory.map((m) => ({ x: m.users, y: m.peakRssMb })) }],
        goal: { y: 150, label: 'goal 150 MB' },
    };
    const xs = [...new Set([...r.memory.map((m) => m.users), r.throughput.users])].sort((a, b) => a - b);
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * 2}" height="${HEIGHT}" font-family="sans-serif" viewBox="0 0 ${WIDTH * 2} ${HEIGHT}">`,
        `<rect width="100%" height="100%" fill="#fff"/>`,
        renderPanel(throughput, xs, 0),
        renderPanel(memory, xs, WIDTH),
        '</svg>',
        '',
    ].join('\n');
}
