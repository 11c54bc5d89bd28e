/** What an area shows until it is built: said plainly, with what works today. */
export function NotBuiltPanel({ title }: { title: string }) {
  return (
    <div className="empty" role="note" aria-label={`${title} not built yet`}>
      <h2>{title}</h2>
      <p>
        {title} is not built yet; it is planned for a coming release. Today Lathe has the explorer and editors, notebooks on Jupyter kernels, conda environments, jobs with live logs and
        metrics, and terminals.
      </p>
    </div>
  );
}
