import { AppError, ErrorCode } from '../../common/errors';
import { Emitter } from '../../common/event';
import { SecretNameSchema, type ISecretService, type SecretInfo, type SecretKeySource } from '../../common/secrets';
import type { SecretStore } from './secretStore';

/** The namespace of the user's own secrets (what jobs and deployments may ask for). */
export const USER_SECRETS = 'user';

/** The user's secrets over RPC: names and metadata out, values only in. */
export class SecretService implements ISecretService {
  private readonly changed = new Emitter<SecretInfo[]>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly store: SecretStore) {}

  async list(): Promise<SecretInfo[]> {
    return this.store.list(USER_SECRETS);
  }

  async set(name: string, value: string): Promise<SecretInfo> {
    SecretNameSchema.parse(name);
    const info = this.store.set(USER_SECRETS, name, value);
    this.fire();
    return info;
  }

  async delete(name: string): Promise<void> {
    if (!this.store.delete(USER_SECRETS, name)) throw new AppError(ErrorCode.NotFound, `No secret named ${name}. List them with \`lathe secret list\`.`);
    this.fire();
  }

  async keySource(): Promise<SecretKeySource> {
    return this.store.keySource();
  }

  async reset(): Promise<number> {
    const n = this.store.reset();
    this.fire();
    return n;
  }

  /** A secret's value for a process the core starts (never sent over RPC). */
  reveal(name: string): string | undefined {
    return this.store.get(USER_SECRETS, name);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private fire(): void {
    this.changed.fire(this.store.list(USER_SECRETS));
  }
}
