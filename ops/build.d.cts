// Types of ops/build.cjs (plain JavaScript, so that bin/osteoflow.js and ops/bootstrap.mjs run it before any build).

/** Bundle name → its TypeScript entry point (relative to the project root). */
export declare const ENTRIES: Readonly<Record<'osteoflow' | 'pipeline-worker', string>>;
export type BundleName = keyof typeof ENTRIES;

/** Path of the named bundle in `outDir` (dist/) when it is fresh and wanted (not OSTEOFLOW_FROM_SOURCE), else null. */
export declare function freshBundle(name: BundleName, options?: { env?: NodeJS.ProcessEnv; outDir?: string }): string | null;

/** Node arguments that run the named entry point: its bundle when fresh, else its TypeScript source through tsx. */
export declare function nodeArguments(name: BundleName, env?: NodeJS.ProcessEnv): string[];

/** Names of the bundles in `outDir` (dist/) that are missing or stale; for the project's own dist/ also 'console-web' when the front end is. */
export declare function staleBundles(outDir?: string): Array<BundleName | 'console-web'>;

/**
 * Bundles every entry point into `outDir` (dist/) and records their inputs there; with `web` (the default for the
 * project's own dist/) also the console's front end (buildWeb). Returns the files written.
 */
export declare function build(options?: { outDir?: string; web?: boolean }): Promise<string[]>;

/** Bundles the console's front end into `outDir` (console/web/dist/: index.html, app.js, app.css); returns the files written. */
export declare function buildWeb(options?: { outDir?: string }): Promise<string[]>;

/** The front end's build in `outDir` (console/web/dist/) is complete and built from the current inputs. */
export declare function freshWeb(outDir?: string): boolean;
