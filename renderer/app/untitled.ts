/** The first free name like Jupyter's: Untitled.ipynb, then Untitled1.ipynb, Untitled2.ipynb… (case-insensitive, as some disks are). */
export function untitledName(taken: readonly string[], first: string): string {
  const used = new Set(taken.map((n) => n.toLowerCase()));
  const dot = first.lastIndexOf('.');
  const stem = dot > 0 ? first.slice(0, dot) : first;
  const ext = dot > 0 ? first.slice(dot) : '';
  for (let i = 0; ; i++) {
    const name = `${stem}${i ? i : ''}${ext}`;
    if (!used.has(name.toLowerCase())) return name;
  }
}
