import * as path from "node:path"
import type { ViteUserConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources, so tests need no build first.
const config: ViteUserConfig = {
  resolve: {
    alias: [
      {
        find: /^@effect-stagger\/(core|node|cli)$/,
        replacement: path.join(__dirname, "packages/$1/src/index.ts")
      },
      {
        find: /^@effect-stagger\/(core|node|cli)\/(.*)$/,
        replacement: path.join(__dirname, "packages/$1/src/$2.ts")
      }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    sequence: { concurrent: false }
  }
}

export default config
