/** The path of the Electron executable, or undefined when none is installed. */
export function findElectronBinary(root?: string): string | undefined;
