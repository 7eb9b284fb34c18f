import type { ReactNode } from 'react';

/** Details on demand: a short explanation folded under its summary line, next to what it explains. */
export function Explain({
  summary,
  children,
  testId,
  open,
}: {
  summary: string;
  children: ReactNode;
  testId?: string;
  open?: boolean;
}) {
  return (
    <details className="explain" data-testid={testId} open={open}>
      <summary>{summary}</summary>
      <div className="explain-body">{children}</div>
    </details>
  );
}
