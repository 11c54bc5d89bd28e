/**
 * Every code an AppError can carry: one list the UI and CLI can switch on (`ErrorCode.NotFound`), each with a short
 * user-facing title (`errorTitle`). The error's own message says what went wrong and the fix; the title names the kind.
 */
export const ErrorCode = {
  BadRequest: 'BAD_REQUEST',
  InvalidArgument: 'INVALID_ARGUMENT',
  UnknownChannel: 'UNKNOWN_CHANNEL',
  UnknownMethod: 'UNKNOWN_METHOD',
  NotFound: 'NOT_FOUND',
  Unauthorized: 'UNAUTHORIZED',
  Cancelled: 'CANCELLED',
  Disconnected: 'DISCONNECTED',
  FrameTooLarge: 'FRAME_TOO_LARGE',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
  Usage: 'USAGE',
  Unsupported: 'UNSUPPORTED',
  AlreadyExists: 'ALREADY_EXISTS',
  ArchiveUnsafe: 'ARCHIVE_UNSAFE',
  ArchiveInvalid: 'ARCHIVE_INVALID',
  ArchiveFailed: 'ARCHIVE_FAILED',
  ChecksumMismatch: 'CHECKSUM_MISMATCH',
  ZstdMissing: 'ZSTD_MISSING',
  PackFailed: 'PACK_FAILED',
  PackChanged: 'PACK_CHANGED',
  PackOutwardSymlink: 'PACK_OUTWARD_SYMLINK',
  UnpackFailed: 'UNPACK_FAILED',
  UnpackNeedsConsent: 'UNPACK_NEEDS_CONSENT',
  PrefixTooLong: 'PREFIX_TOO_LONG',
  CopyFailed: 'COPY_FAILED',
  EnvFileInvalid: 'ENV_FILE_INVALID',
  EnvNotFound: 'ENV_NOT_FOUND',
  EnvExists: 'ENV_EXISTS',
  EnvCorrupt: 'ENV_CORRUPT',
  EnvAmbiguous: 'ENV_AMBIGUOUS',
  EnvConflict: 'ENV_CONFLICT',
  EnvNoUrls: 'ENV_NO_URLS',
  CondaFailed: 'CONDA_FAILED',
  CondaNotFound: 'CONDA_NOT_FOUND',
  NoConda: 'NO_CONDA',
  VersionExists: 'VERSION_EXISTS',
  RegistryUnreachable: 'REGISTRY_UNREACHABLE',
  RegistryUnauthorised: 'REGISTRY_UNAUTHORISED',
  RegistryTokenMissing: 'REGISTRY_TOKEN_MISSING',
  RegistryError: 'REGISTRY_ERROR',
  NotebookInvalid: 'NOTEBOOK_INVALID',
  NotebookInvalidJson: 'NOTEBOOK_INVALID_JSON',
  NotebookUnsupported: 'NOTEBOOK_UNSUPPORTED',
  NotebookTruncated: 'NOTEBOOK_TRUNCATED',
  NotebookTooLarge: 'NOTEBOOK_TOO_LARGE',
  NotebookMergeConflict: 'NOTEBOOK_MERGE_CONFLICT',
  FileChangedOnDisk: 'FILE_CHANGED_ON_DISK',
  SaveFailed: 'SAVE_FAILED',
  ElidedOutputMissing: 'ELIDED_OUTPUT_MISSING',
  PathOutsideWorkspace: 'PATH_OUTSIDE_WORKSPACE',
  VariablesUnavailable: 'VARIABLES_UNAVAILABLE',
  KernelStartFailed: 'KERNEL_START_FAILED',
  KernelRestartTimeout: 'KERNEL_RESTART_TIMEOUT',
  KernelDied: 'KERNEL_DIED',
  JupyterUnreachable: 'JUPYTER_UNREACHABLE',
  JupyterTokenRejected: 'JUPYTER_TOKEN_REJECTED',
  JupyterTokenMissing: 'JUPYTER_TOKEN_MISSING',
  JupyterStopped: 'JUPYTER_STOPPED',
  JupyterNotRunning: 'JUPYTER_NOT_RUNNING',
  JupyterNotFound: 'JUPYTER_NOT_FOUND',
  JupyterNotAServer: 'JUPYTER_NOT_A_SERVER',
  RemoteServersUnavailable: 'REMOTE_SERVERS_UNAVAILABLE',
  InvalidSpec: 'INVALID_SPEC',
  EngineUnavailable: 'ENGINE_UNAVAILABLE',
  ImageNotFound: 'IMAGE_NOT_FOUND',
  NotEnoughGpus: 'NOT_ENOUGH_GPUS',
  MissingSecret: 'MISSING_SECRET',
  SecretCorrupt: 'SECRET_CORRUPT',
  StoreKeyInvalid: 'STORE_KEY_INVALID',
  StoreKeyUnavailable: 'STORE_KEY_UNAVAILABLE',
  StoreKeyMismatch: 'STORE_KEY_MISMATCH',
  StoreKeyExposed: 'STORE_KEY_EXPOSED',
  StoreTooNew: 'STORE_TOO_NEW',
  StoreOpenFailed: 'STORE_OPEN_FAILED',
  DataDirUnusable: 'DATA_DIR_UNUSABLE',
  SettingsInvalid: 'SETTINGS_INVALID',
  TokenTooShort: 'TOKEN_TOO_SHORT',
  PortInUse: 'PORT_IN_USE',
  ListenFailed: 'LISTEN_FAILED',
  CoreAlreadyRunning: 'CORE_ALREADY_RUNNING',
  JupyterStartFailed: 'JUPYTER_START_FAILED',
  NotebookNbformat3: 'NOTEBOOK_NBFORMAT_3',
  EnvPackagesNotFound: 'ENV_PACKAGES_NOT_FOUND',
  FileTooLarge: 'FILE_TOO_LARGE',
  FileNotText: 'FILE_NOT_TEXT',
} as const;
/** One of the codes above. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A short title per code, for a notification's heading or a CLI's first line. */
const TITLES: Record<ErrorCodeValue, string> = {
  BAD_REQUEST: 'The request was malformed.',
  INVALID_ARGUMENT: 'An argument is not valid.',
  UNKNOWN_CHANNEL: 'The core does not offer that service.',
  UNKNOWN_METHOD: 'The core does not offer that call.',
  NOT_FOUND: 'Not found.',
  UNAUTHORIZED: 'Not signed in: the token is missing or wrong.',
  CANCELLED: 'Cancelled.',
  DISCONNECTED: 'The connection to the core was lost.',
  FRAME_TOO_LARGE: 'A message was too large to send.',
  UNAVAILABLE: 'The service is not available right now.',
  INTERNAL: 'Internal error in the Lathe core (a bug).',
  USAGE: 'The command was not used as it expects.',
  UNSUPPORTED: 'Not supported.',
  ALREADY_EXISTS: 'It exists already.',
  ARCHIVE_UNSAFE: 'The archive is unsafe to unpack.',
  ARCHIVE_INVALID: 'The archive is not valid.',
  ARCHIVE_FAILED: 'Reading or writing the archive failed.',
  CHECKSUM_MISMATCH: 'A checksum did not match: the file is damaged or was changed.',
  ZSTD_MISSING: 'The zstd tool is missing.',
  PACK_FAILED: 'Packing the environment failed.',
  PACK_CHANGED: 'The environment changed while it was packed.',
  PACK_OUTWARD_SYMLINK: 'The environment has a link that points outside it.',
  UNPACK_FAILED: 'Unpacking the environment failed.',
  UNPACK_NEEDS_CONSENT: 'The archive would run its own code to relocate.',
  PREFIX_TOO_LONG: 'The new prefix is longer than the packed one.',
  COPY_FAILED: 'Copying the files failed.',
  ENV_FILE_INVALID: 'The environment file is not valid.',
  ENV_NOT_FOUND: 'No such environment.',
  ENV_EXISTS: 'An environment of that name exists already.',
  ENV_CORRUPT: 'The environment is damaged.',
  ENV_AMBIGUOUS: 'More than one environment has that name.',
  ENV_CONFLICT: 'The packages conflict.',
  ENV_NO_URLS: 'The environment records no package URLs.',
  CONDA_FAILED: 'conda failed.',
  CONDA_NOT_FOUND: 'conda, mamba or micromamba was not found.',
  NO_CONDA: 'No conda installation was found.',
  VERSION_EXISTS: 'That version exists already; versions are immutable.',
  REGISTRY_UNREACHABLE: 'The env registry cannot be reached.',
  REGISTRY_UNAUTHORISED: 'The env registry refused the credentials.',
  REGISTRY_TOKEN_MISSING: 'The env registry needs a token.',
  REGISTRY_ERROR: 'The env registry answered with an error.',
  NOTEBOOK_INVALID: 'The notebook is not valid.',
  NOTEBOOK_INVALID_JSON: 'The notebook is not valid JSON.',
  NOTEBOOK_UNSUPPORTED: 'This notebook format is not supported.',
  NOTEBOOK_TRUNCATED: 'The notebook file is cut short.',
  NOTEBOOK_TOO_LARGE: 'The notebook is too large.',
  NOTEBOOK_MERGE_CONFLICT: 'The notebook has unresolved merge conflicts.',
  FILE_CHANGED_ON_DISK: 'The file changed on disk.',
  SAVE_FAILED: 'Saving failed.',
  ELIDED_OUTPUT_MISSING: 'A large output the core kept is gone.',
  PATH_OUTSIDE_WORKSPACE: 'The path is outside the workspace.',
  VARIABLES_UNAVAILABLE: 'The kernel cannot list its variables.',
  KERNEL_START_FAILED: 'The kernel did not start.',
  KERNEL_RESTART_TIMEOUT: 'The kernel did not restart in time.',
  KERNEL_DIED: 'The kernel died.',
  JUPYTER_UNREACHABLE: 'The Jupyter server cannot be reached.',
  JUPYTER_TOKEN_REJECTED: 'The Jupyter server refused the token.',
  JUPYTER_TOKEN_MISSING: 'The Jupyter server needs a token.',
  JUPYTER_STOPPED: 'The Jupyter server stopped.',
  JUPYTER_NOT_RUNNING: 'The Jupyter server is not running.',
  JUPYTER_NOT_FOUND: 'Jupyter Server is not installed.',
  JUPYTER_NOT_A_SERVER: 'That address is not a Jupyter server.',
  REMOTE_SERVERS_UNAVAILABLE: 'Remote Jupyter servers are not available.',
  INVALID_SPEC: 'The job spec is not valid.',
  ENGINE_UNAVAILABLE: 'The container engine cannot be reached.',
  IMAGE_NOT_FOUND: 'The container image was not found.',
  NOT_ENOUGH_GPUS: 'Not enough GPUs.',
  MISSING_SECRET: 'A secret the job needs is not set.',
  SECRET_CORRUPT: 'A stored secret is damaged.',
  STORE_KEY_INVALID: 'The secret store key is not valid.',
  STORE_KEY_UNAVAILABLE: 'The secret store key is not available.',
  STORE_KEY_MISMATCH: 'The secret store key does not open this store.',
  STORE_KEY_EXPOSED: 'The secret store key file can be read by others.',
  STORE_TOO_NEW: 'The data dir was written by a newer Lathe.',
  STORE_OPEN_FAILED: 'The database could not be opened.',
  DATA_DIR_UNUSABLE: 'Lathe cannot write to its data folder.',
  SETTINGS_INVALID: 'The settings are not valid.',
  TOKEN_TOO_SHORT: 'The token is too short.',
  PORT_IN_USE: 'The port is in use.',
  LISTEN_FAILED: 'The core could not listen.',
  CORE_ALREADY_RUNNING: 'Another core is running on this data dir.',
  JUPYTER_START_FAILED: 'The Jupyter server did not start.',
  NOTEBOOK_NBFORMAT_3: 'The notebook is in the old nbformat 3.',
  ENV_PACKAGES_NOT_FOUND: 'Some packages were not found in the channels.',
  FILE_TOO_LARGE: 'The file is too large to open here.',
  FILE_NOT_TEXT: 'The file is not text.',
};

/** Whether a string (a code from the wire, say from a newer core) is one this build knows. */
export function isErrorCode(code: string): code is ErrorCodeValue {
  return Object.hasOwn(TITLES, code);
}

/** The user-facing title of a code; a code this build does not know gets a generic one. */
export function errorTitle(code: string): string {
  return isErrorCode(code) ? TITLES[code] : 'Something went wrong.';
}

/** The shape every error takes on the wire. */
export interface WireError {
  code: string;
  message: string;
  detail?: unknown;
}

/** An expected failure (bad input, missing tool, engine down): the message names the problem and the fix. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** An unexpected failure: a bug in Lathe. Its message is kept generic on the wire. */
export class BugError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BugError';
  }
}

/** Converts anything thrown into its wire form; non-AppErrors become INTERNAL without leaking stack traces. */
export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) {
    return err.detail === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, detail: err.detail };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCode.Internal, message: `Internal error in the Lathe core: ${message}. This is a bug; the core log has details.` };
}

/** Rebuilds an error received over the wire so callers can `instanceof AppError` and read `code`. */
export function fromWireError(e: WireError): AppError {
  // A newer core may send a code this build does not list: it is kept as sent, for display and logs.
  return new AppError(e.code as ErrorCodeValue, e.message, e.detail);
}

/** True if `err` is an AppError with the given code. */
export function isAppError(err: unknown, code?: ErrorCodeValue): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
