// A wide table's horizontal scroller: a named region that takes keyboard focus, so that keyboard users can scroll it
// with the arrow keys (a scrollable area nobody can focus is unreachable without a mouse).
import type { ReactNode } from 'react';

export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
