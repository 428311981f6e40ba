import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { DaySeries } from './rollouts';
import { day, percent } from './format';

// Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito, then Tol).
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#332288', '#882255', '#117733', '#999933'];
export const colourOf = (i: number) => PALETTE[i % PALETTE.length]!;

interface Line {
  label: string;
  values: Array<number | null>;
  low?: Array<number | null>;
  high?: Array<number | null>;
}

interface ChartProps {
  title: string;
  yLabel: string;
  days: number[];
  lines: Line[];
  /** Readout of one value (a fraction) for the hover line and the table. */
  format(value: number): string;
}

function Plot({ title, yLabel, days, lines, format }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const readout = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    const el = box.current!;
    const series: uPlot.Series[] = [{ label: 'Day' }];
    const data: Array<Array<number | null>> = [days];
    const bands: uPlot.Band[] = [];
    lines.forEach((line, i) => {
      const colour = colourOf(i);
      series.push({ label: line.label, stroke: colour, width: 2, points: { show: true, size: 5 }, spanGaps: false });
      data.push(line.values.map((v) => (v === null ? null : v * 100)));
      if (line.low && line.high) {
        const at = data.length;
        series.push({ label: `${line.label} high`, stroke: 'transparent', points: { show: false } });
        series.push({ label: `${line.label} low`, stroke: 'transparent', points: { show: false } });
        data.push(line.high.map((v) => (v === null ? null : v * 100)));
        data.push(line.low.map((v) => (v === null ? null : v * 100)));
        bands.push({ series: [at, at + 1], fill: `${colour}26` });
      }
    });
    const showReadout = (u: uPlot) => {
      const idx = u.cursor.idx;
      const target = readout.current;
      if (!target) return;
      if (idx === null || idx === undefined) {
        target.textContent = 'Hover over the chart to read the values.';
        return;
      }
      const parts = lines.map((line) => {
        const v = line.values[idx];
        if (v === null || v === undefined) return `${line.label}: –`;
        const lo = line.low?.[idx];
        const hi = line.high?.[idx];
        return lo !== null && lo !== undefined && hi !== null && hi !== undefined
          ? `${line.label}: ${format(v)} (${format(lo)}–${format(hi)})`
          : `${line.label}: ${format(v)}`;
      });
      target.textContent = `${day(new Date(days[idx]! * 1000))}: ${parts.join(' · ')}`;
    };
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 280),
      height: 240,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true } },
      series,
      bands,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { label: 'Day (UTC)', stroke: '#374151', grid: { stroke: '#e5e7eb' } },
        { label: yLabel, stroke: '#374151', grid: { stroke: '#e5e7eb' }, size: 60, values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(2)}%`) },
      ],
      hooks: { setCursor: [showReadout] },
    };
    const plot = new uPlot(opts, data as uPlot.AlignedData, el);
    showReadout(plot);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 280), height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, lines]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <ul class="legend" aria-hidden="true">
        {lines.map((line, i) => (
          <li key={line.label}>
            <span class={`swatch swatch-${i % PALETTE.length}`} />
            {line.label}
          </li>
        ))}
      </ul>
      <div ref={box} class="plot" aria-hidden="true" />
      <p ref={readout} class="readout muted" aria-hidden="true" />
      {/* A table is as wide as its content whatever its own width: the clipping box is a div. */}
      <div class="sr-only">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              {lines.map((line) => (
                <th scope="col" key={line.label}>
                  {line.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d, idx) => (
              <tr key={d}>
                <th scope="row">{day(new Date(d * 1000))}</th>
                {lines.map((line) => (
                  <td key={line.label}>{valueText(line, idx, format)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

const hasValue = (lines: Line[], idx: number) => lines.some((line) => line.values[idx] !== null && line.values[idx] !== undefined);

function valueText(line: Line, idx: number, format: (value: number) => string): string {
  const v = line.values[idx];
  const lo = line.low?.[idx];
  const hi = line.high?.[idx];
  if (v === null || v === undefined) return 'no data';
  return lo != null && hi != null ? `${format(v)} (95% interval ${format(lo)} to ${format(hi)})` : format(v);
}

/** Under two days a line says nothing: the figure says so, and lists the numbers it has. */
function FewDays({ title, days, lines, format, withData }: ChartProps & { withData: number[] }) {
  return (
    <figure class="chart chart-few">
      <figcaption>{title}</figcaption>
      {withData.length === 0 ? (
        <p>No daily figures in the last {days.length} days: no day had enough active devices to show a rate.</p>
      ) : (
        <>
          <p>
            Only one day has figures so far ({day(new Date(days[withData[0]!]! * 1000))}); the chart starts once there are two. The numbers:
          </p>
          <ul class="few-values">
            {lines.map((line) => (
              <li key={line.label}>
                {line.label}: {valueText(line, withData[0]!, format)}
              </li>
            ))}
          </ul>
        </>
      )}
    </figure>
  );
}

/** A chart of the days from the first one with figures; under two such days, words and numbers instead. */
function TimeChart(props: ChartProps) {
  const { days, lines } = props;
  const withData = days.map((_, idx) => idx).filter((idx) => hasValue(lines, idx));
  const from = withData[0] ?? 0;
  const trimmed = useMemo(
    () => ({ days: days.slice(from), lines: lines.map((l) => ({ label: l.label, values: l.values.slice(from), low: l.low?.slice(from), high: l.high?.slice(from) })) }),
    [days, lines, from],
  );
  if (withData.length < 2) return <FewDays {...props} withData={withData} />;
  return <Plot {...props} days={trimmed.days} lines={trimmed.lines} />;
}

export function CrashFreeChart({ series }: { series: DaySeries }) {
  const lines = useMemo(
    () =>
      series.versions.map((version) => {
        const points = series.crashFree.get(version) ?? [];
        return { label: version, values: points.map((p) => p?.rate ?? null), low: points.map((p) => p?.low ?? null), high: points.map((p) => p?.high ?? null) };
      }),
    [series],
  );
  return <TimeChart title="Crash-free devices per version, by day, with the 95% interval as a band" yLabel="Crash-free devices" days={series.days} lines={lines} format={(v) => percent(v)} />;
}

export function AdoptionChart({ series }: { series: DaySeries }) {
  const lines = useMemo(() => series.versions.map((version) => ({ label: version, values: series.share.get(version) ?? [] })), [series]);
  return <TimeChart title="Adoption: share of active devices per version, by day" yLabel="Share of devices" days={series.days} lines={lines} format={(v) => percent(v, 1)} />;
}
