/**
 * The test projects: one per package, each with its own `vitest.config.ts`. The root
 * `vitest.config.ts` runs them as its `test.projects`.
 */
export default ["packages/core/vitest.config.ts", "packages/node/vitest.config.ts", "packages/cli/vitest.config.ts"]
