// A timepoint or patient state as a badge: its name in words and a glyph, coloured as a third signal, so the state
// never rests on colour alone.
import type { TimepointState } from '../../../../contracts/console';

export const STATE_LABELS: Record<TimepointState, string> = {
  'needs-attention': 'Needs attention',
  'qc-failed': 'QC failed',
  overdue: 'Overdue',
  due: 'Due',
  running: 'Running',
  upcoming: 'Upcoming',
  done: 'Done',
  missed: 'Missed',
  withdrawn: 'Withdrawn',
};

/** A glyph per state (hidden from screen readers: the label says it). */
const GLYPHS: Record<TimepointState, string> = {
  'needs-attention': '!',
  'qc-failed': '✕',
  overdue: '⏰',
  due: '●',
  running: '↻',
  upcoming: '○',
  done: '✓',
  missed: '–',
  withdrawn: '⊘',
};

export function StateBadge({ state, detail }: { state: TimepointState; detail?: string }) {
  return (
    <span className={`state state-${state}`} title={detail}>
      <span className="state-glyph" aria-hidden="true">
        {GLYPHS[state]}
      </span>
      {STATE_LABELS[state]}
    </span>
  );
}
