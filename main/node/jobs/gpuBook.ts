/**
 * Who holds which GPU, so a GPU is never given to two runs. This host's GPUs are known (nvidia-smi): a count takes
 * free ones. A container engine's are not (its driver picks them): runs that name device ids share an engine when
 * the ids differ, and a run that asks for a count has the engine's GPUs to itself while it runs.
 */
export class GpuBook {
  private readonly ids = new Map<string, Set<string>>();
  /** Engines running a run that asked for a count of GPUs. */
  private readonly whole = new Set<string>();

  constructor(running: { engine: string; want: number | string[]; gpus: string[] }[]) {
    for (const r of running) {
      if (r.engine !== 'local' && typeof r.want === 'number' && r.want > 0) this.whole.add(r.engine);
      else for (const g of r.engine === 'local' ? r.gpus : Array.isArray(r.want) ? r.want : []) this.held(r.engine).add(g);
    }
  }

  private held(engine: string): Set<string> {
    let s = this.ids.get(engine);
    if (!s) this.ids.set(engine, (s = new Set()));
    return s;
  }

  /** The GPUs a run gets now (this host's ids, or the ids it named), [] for none; undefined while it must wait. */
  take(engine: string, want: number | string[], localGpus: string[]): string[] | undefined {
    if (want === 0 || (Array.isArray(want) && !want.length)) return [];
    const held = this.held(engine);
    if (engine === 'local') {
      const free = localGpus.filter((g) => !held.has(g));
      const pick = Array.isArray(want) ? (want.every((g) => free.includes(g)) ? want : undefined) : free.length >= want ? free.slice(0, want) : undefined;
      for (const g of pick ?? []) held.add(g);
      return pick;
    }
    if (this.whole.has(engine)) return undefined;
    if (Array.isArray(want)) {
      if (want.some((g) => held.has(g))) return undefined;
      for (const g of want) held.add(g);
      return want;
    }
    if (held.size) return undefined;
    this.whole.add(engine);
    return [];
  }
}
