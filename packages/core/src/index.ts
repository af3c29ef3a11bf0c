/**
 * @since 0.1.0
 */
export * as AddrInfo from "./AddrInfo.js"

/**
 * @since 0.1.0
 */
export * as Stagger from "./Stagger.js"
