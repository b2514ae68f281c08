// Types of ops/build.cjs (plain JavaScript, so that bin/osteoflow.js and ops/bootstrap.mjs run it before any build).

/** Bundle name → its TypeScript entry point (relative to the project root). */
export declare const ENTRIES: Readonly<Record<'osteoflow' | 'pipeline-worker', string>>;
export type BundleName = keyof typeof ENTRIES;

/** Path of the named bundle in `outDir` (dist/) when it is fresh and wanted (not OSTEOFLOW_FROM_SOURCE), else null. */
export declare function freshBundle(name: BundleName, options?: { env?: NodeJS.ProcessEnv; outDir?: string }): string | null;

/** Node arguments that run the named entry point: its bundle when fresh, else its TypeScript source through tsx. */
export declare function nodeArguments(name: BundleName, env?: NodeJS.ProcessEnv): string[];

/** Names of the bundles in `outDir` (dist/) that are missing or stale. */
export declare function staleBundles(outDir?: string): BundleName[];

/** Bundles every entry point into `outDir` (dist/) and records their inputs there; returns the bundles written. */
export declare function build(options?: { outDir?: string }): Promise<string[]>;
