// Types of cli-bundle.js (plain JS: it runs before any TypeScript loader), for the tests.
export function cliModuleUrl(options?: { out?: string }): Promise<string>;
export function workerModuleUrl(sourceUrl: string, options?: { out?: string }): Promise<string>;
export function freshEntry(out: string): string | undefined;
export function buildBundle(out: string): Promise<string | undefined>;
export function bundledModuleUrl(sourceUrl: string, out: string): string | undefined;
