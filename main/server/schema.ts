import type { Migration } from '../base/node/migrations';
import { coreMigrations } from '../base/node/migrations';
import { envMigrations } from '../node/envs/envCache';
import { archiveMigrations } from '../node/envs/archiveStore';
import { jobMigrations } from '../node/jobs/jobStore';
import { secretMigrations } from '../node/secrets/secretStore';
import { kernelMigrations } from '../../kernels/kernelStore';

/**
 * Lathe's whole database schema: every area's steps for the tables its store owns, in one version sequence.
 * A new step takes the next free version in the area that owns the table, and is listed here.
 */
export const schema: readonly Migration[] = [...coreMigrations, ...envMigrations, ...jobMigrations, ...secretMigrations, ...kernelMigrations, ...archiveMigrations];
