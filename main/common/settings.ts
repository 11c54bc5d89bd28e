import { z } from 'zod';
import type { Event } from './event';
import { defineChannel } from './rpc';

/** The user's settings; every field has a default so an empty store is valid. */
export const SettingsSchema = z.object({
  theme: z.enum(['dark', 'light']).default('dark'),
  terminal: z
    .object({
      fontSize: z.number().int().min(6).max(48).default(13),
      /** Lines xterm keeps in the renderer. */
      scrollback: z.number().int().min(100).max(1_000_000).default(10_000),
    })
    .prefault({}),
  layout: z
    .object({
      /** Width of the side panel in pixels. */
      sidebarWidth: z.number().int().min(120).max(1200).default(260),
      /** Whether the side bar is shown (Ctrl+B, or clicking the active view's icon, toggles it). */
      sidebarVisible: z.boolean().default(true),
      /** The open editor tabs (workspace paths, in order) and the active one, restored after a reload or restart. */
      tabs: z.array(z.string().min(1).max(4096)).max(100).default([]),
      activeTab: z.string().max(4096).optional(),
    })
    .prefault({}),
  envs: z
    .object({
      /** The conda/mamba/micromamba executable that runs changes; unset = the first one found. */
      defaultExe: z.string().optional(),
      /** Channels added to every change, in priority order; file:// URLs work offline. */
      channels: z.array(z.string().min(1)).default([]),
      /** Use only these channels (conda's --override-channels). */
      overrideChannels: z.boolean().default(false),
      /** Never reach the network (conda's --offline). */
      offline: z.boolean().default(false),
      /** Where published envs go: a folder (default: the data dir's env-registry), a Lathe server URL, or s3://bucket/prefix. */
      registry: z.string().optional(),
      /** For s3:// registries on S3-compatible stores (MinIO, Ceph…): the endpoint URL; unset means AWS. */
      s3Endpoint: z.string().optional(),
      /** The S3 region (default us-east-1). */
      s3Region: z.string().optional(),
    })
    .prefault({}),
});
/** The user's settings. */
export type Settings = z.infer<typeof SettingsSchema>;

/** A partial update; nested groups merge. */
export const SettingsPatchSchema = z
  .object({
    theme: SettingsSchema.shape.theme.unwrap().optional(),
    terminal: z.object({ fontSize: z.number().int().min(6).max(48), scrollback: z.number().int().min(100).max(1_000_000) }).partial().strict().optional(),
    layout: z
      .object({ sidebarWidth: z.number().int().min(120).max(1200), sidebarVisible: z.boolean(), tabs: z.array(z.string().min(1).max(4096)).max(100), activeTab: z.string().max(4096) })
      .partial()
      .strict()
      .optional(),
    envs: z
      .object({
        defaultExe: z.string().min(1).max(4096),
        channels: z.array(z.string().min(1).max(500).regex(/^[^\s;|&$`'"\\<>]+$/, 'a channel name or URL (no spaces)')).max(50),
        overrideChannels: z.boolean(),
        offline: z.boolean(),
        registry: z.string().min(1).max(4096),
        s3Endpoint: z.string().regex(/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/, 'an http(s) URL such as https://minio.example.com:9000').max(2048),
        s3Region: z.string().regex(/^[a-z0-9-]{2,40}$/, 'a region name such as us-east-1'),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict();
/** A partial update of the settings. */
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

/** Reads and writes the user's settings. */
export interface ISettingsService {
  /** Returns all settings with defaults filled in. */
  get(): Promise<Settings>;
  /** Merges a patch, saves it and returns the result. */
  update(patch: SettingsPatch): Promise<Settings>;
  /** Fires after any change, from any client. */
  readonly onDidChange: Event<Settings>;
}

/** The settings channel's allowlist. */
export const SettingsChannel = defineChannel<ISettingsService>({
  name: 'settings',
  methods: { get: [], update: [SettingsPatchSchema] },
  events: { onDidChange: null },
});
