// Lint and formatting in Effect's own style (Effect-TS/effect eslint.config.mjs, v3): dprint
// formatting through @effect/eslint-plugin, typescript-eslint's recommended rules, and the
// project's smells (STYLE.md) as rules where a rule can see them.
import * as effectEslint from "@effect/eslint-plugin"
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist", "**/build", "**/coverage", "**/node_modules", "docs/**", "**/*.md", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...effectEslint.configs.dprint,
  {
    rules: {
      "no-fallthrough": "off",
      "object-shorthand": "error",
      "require-yield": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }]
    }
  },
  {
    // Library code: every wait goes through Effect's Clock, and Effect is imported by module.
    files: ["packages/core/src/**/*.ts", "packages/node/src/**/*.ts"],
    rules: {
      "no-console": "error",
      "no-restricted-globals": ["error",
        { name: "setTimeout", message: "Wait with Effect.sleep so that TestClock controls it." },
        { name: "setInterval", message: "Schedule with Effect so that TestClock controls it." }],
      "no-restricted-properties": ["error",
        { object: "Date", property: "now", message: "Read time from Effect's Clock." },
        { object: "performance", property: "now", message: "Read time from Effect's Clock." }],
      "@effect/no-import-from-barrel-package": ["error", {
        packageNames: ["effect", "@effect/platform", "@effect/platform-node"]
      }]
    }
  },
  {
    files: ["packages/core/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["node:*"], message: "core has no node: imports." }] }]
    }
  }
)
