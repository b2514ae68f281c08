// Features and deltas across a patient's timepoints: the named literature deltas against baseline, and any stored
// feature (searchable by name) with its value per timepoint, its relative change since baseline and a trend plot.
import { useDeferredValue, useId, useMemo, useState } from 'react';
import type { TimepointDetail } from '../../../../contracts/console';
import { formatNumber, Sparkline } from './Sparkline';
import { TableScroll } from './TableScroll';

const NAMED_LABELS: Record<string, string> = {
  volumeChangePct: 'Tumour volume change (%)',
  deltaAdcMean: 'ΔADC mean',
  deltaAdcMin: 'ΔADC minimum',
  suvMaxChangePct: '%ΔSUVmax',
  deltaMtv40: 'ΔMTV at 40 % of SUVmax',
  deltaTlg40: 'ΔTLG at 40 % of SUVmax',
  deltaMtv2p5: 'ΔMTV at SUV ≥ 2.5',
  deltaTlg2p5: 'ΔTLG at SUV ≥ 2.5',
};

const namedLabel = (key: string): string => NAMED_LABELS[key] ?? key;

export function NamedDeltas({ timepoints }: { timepoints: TimepointDetail[] }) {
  const keys = [...new Set(timepoints.flatMap((tp) => Object.keys(tp.namedDeltas)))].sort();
  if (keys.length === 0) return <p>No deltas yet: they are computed from the second timepoint on.</p>;
  return (
    <table>
      <caption>Named deltas against baseline</caption>
      <thead>
        <tr>
          <th scope="col">Delta</th>
          {timepoints.map((tp) => (
            <th scope="col" key={tp.name}>
              {tp.name}
            </th>
          ))}
          <th scope="col">Trend</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => {
          const points = timepoints.map((tp) => ({ label: tp.name, value: tp.namedDeltas[key] ?? null }));
          return (
            <tr key={key}>
              <th scope="row">{namedLabel(key)}</th>
              {points.map((p) => (
                <td key={p.label} className="num">
                  {formatNumber(p.value)}
                </td>
              ))}
              <td>
                <Sparkline name={namedLabel(key)} points={points} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The features most readers look for first (when present), before any search. */
const DEFAULT_FEATURES = [
  'original_shape_MeshVolume',
  'original_shape_Sphericity',
  'original_firstorder_Mean',
  'original_firstorder_Minimum',
  'original_firstorder_Maximum',
  'original_glcm_Contrast',
  'derived_pet_SUVmax',
];
const LIMIT = 40;

export function FeatureTrends({ timepoints }: { timepoints: TimepointDetail[] }) {
  const id = useId();
  const [query, setQuery] = useState('');
  const deferred = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(() => {
    const names = new Map<string, { modality: string; feature: string }>();
    for (const tp of timepoints)
      for (const set of tp.features)
        for (const feature of Object.keys(set.features)) names.set(`${set.modality} ${feature}`, { modality: set.modality, feature });
    return [...names.values()].sort((a, b) => a.modality.localeCompare(b.modality) || a.feature.localeCompare(b.feature));
  }, [timepoints]);
  const shown = deferred
    ? rows.filter((r) => `${r.modality} ${r.feature}`.toLowerCase().includes(deferred))
    : rows.filter((r) => DEFAULT_FEATURES.includes(r.feature));
  const value = (tp: TimepointDetail, modality: string, feature: string): number | null =>
    tp.features.find((f) => f.modality === modality)?.features[feature] ?? null;

  if (rows.length === 0) return <p>No features stored yet.</p>;
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-q`}>Find features (name or modality)</label>
        <input id={`${id}-q`} type="search" value={query} onChange={(e) => setQuery(e.target.value)} aria-describedby={`${id}-count`} />
        <p id={`${id}-count`} className="sub" role="status">
          {shown.length > LIMIT ? `First ${LIMIT} of ${shown.length}` : shown.length} of {rows.length} features shown
          {deferred ? '' : ' (a few common ones; search for any other)'}.
        </p>
      </div>
      <TableScroll label="Feature values per timepoint">
        <table>
          <caption>Feature values per timepoint</caption>
          <thead>
            <tr>
              <th scope="col">Modality</th>
              <th scope="col">Feature</th>
              {timepoints.map((tp) => (
                <th scope="col" key={tp.name}>
                  {tp.name}
                </th>
              ))}
              <th scope="col">Change since baseline</th>
              <th scope="col">Trend</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, LIMIT).map(({ modality, feature }) => {
              const points = timepoints.map((tp) => ({ label: tp.name, value: value(tp, modality, feature) }));
              const latest = [...timepoints].reverse().find((tp) => tp.deltas.some((d) => d.modality === modality && d.feature === feature));
              const delta = latest?.deltas.find((d) => d.modality === modality && d.feature === feature && d.reference === 'baseline');
              return (
                <tr key={`${modality} ${feature}`}>
                  <td>{modality}</td>
                  <th scope="row">{feature}</th>
                  {points.map((p) => (
                    <td key={p.label} className="num">
                      {formatNumber(p.value)}
                    </td>
                  ))}
                  <td className="num">
                    {delta
                      ? `${formatNumber(delta.absolute)}${delta.relative == null ? '' : ` (${formatNumber(delta.relative * 100)} %)`} at ${latest!.name}`
                      : '—'}
                  </td>
                  <td>
                    <Sparkline name={`${modality} ${feature}`} points={points} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
