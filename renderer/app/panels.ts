/** The workbench's areas, in activity-bar order. `icon` is a monogram (no icon font is assumed); `ready` marks the ones built so far. */
export const PANELS = [
  { id: 'notebooks', title: 'Notebooks', icon: 'Nb', ready: true },
  { id: 'environments', title: 'Environments', icon: 'Ev', ready: true },
  { id: 'datasets', title: 'Datasets', icon: 'Ds', ready: false },
  { id: 'jobs', title: 'Jobs', icon: 'Jb', ready: true },
  { id: 'models', title: 'Models', icon: 'Md', ready: false },
  { id: 'deployments', title: 'Deployments', icon: 'Dp', ready: false },
  { id: 'terminal', title: 'Terminal', icon: '>_', ready: true },
  { id: 'git', title: 'Git', icon: 'Gt', ready: false },
] as const;

/** One panel's id. */
export type PanelId = (typeof PANELS)[number]['id'];
