/** The workbench's views, in activity-bar order; `ready` marks the ones built so far. Icons are chosen in `ActivityBar`. */
export const PANELS = [
  { id: 'explorer', title: 'Explorer', ready: true },
  { id: 'notebooks', title: 'Notebooks', ready: true },
  { id: 'environments', title: 'Environments', ready: true },
  { id: 'datasets', title: 'Datasets', ready: false },
  { id: 'jobs', title: 'Jobs', ready: true },
  { id: 'models', title: 'Models', ready: false },
  { id: 'deployments', title: 'Deployments', ready: false },
  { id: 'terminal', title: 'Terminal', ready: true },
  { id: 'git', title: 'Git', ready: false },
] as const;

/** One panel's id. */
export type PanelId = (typeof PANELS)[number]['id'];

/** Views whose main area is the editor group (tabs of notebooks and files). */
export const EDITOR_VIEWS: readonly PanelId[] = ['explorer', 'notebooks'];
