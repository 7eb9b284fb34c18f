/** A failed action's message where it happened (nothing when there is none). */
export function ErrorBanner({ error, testId }: { error?: string | null; testId?: string }) {
  if (!error) return null;
  return (
    <div className="banner error" role="alert" data-testid={testId}>
      {error}
    </div>
  );
}
