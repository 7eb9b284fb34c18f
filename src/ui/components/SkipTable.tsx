/** The files a job left out, each with why: one row per path (the lists are capped where stored). */
export function SkipTable({
  rows,
  rowTestId,
}: {
  rows: readonly { path: string; reason: string }[];
  rowTestId: string;
}) {
  return (
    <table className="grid">
      <tbody>
        {rows.map((s, i) => (
          <tr key={i} data-testid={rowTestId}>
            <td>{s.path}</td>
            <td>{s.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
