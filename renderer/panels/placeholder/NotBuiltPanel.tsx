/** What an area shows until it is built: said plainly, with where it is tracked. */
export function NotBuiltPanel({ title }: { title: string }) {
  return (
    <div className="empty" role="note" aria-label={`${title} not built yet`}>
      <h2>{title}</h2>
      <p>
        {title} is not built yet. This version of Lathe ships the workbench, the core and the terminal; {title.toLowerCase()} arrive in a later release.
      </p>
    </div>
  );
}
