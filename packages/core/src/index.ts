/**
 * @since 0.1.0
 */
export * as AddrInfo from "./AddrInfo.js"

/**
 * @since 0.1.0
 */
export * as GetAddrInfo from "./GetAddrInfo.js"

/**
 * @since 0.1.0
 */
export * as Stagger from "./Stagger.js"

/**
 * @since 0.1.0
 */
export * as Resolver from "./Resolver.js"

/**
 * @since 0.1.0
 */
export * as ConnectError from "./ConnectError.js"

/**
 * @since 0.1.0
 */
export * as HappyEyeballs from "./HappyEyeballs.js"

/**
 * @since 0.1.0
 */
export * as Aitertools from "./Aitertools.js"

/**
 * @since 0.1.0
 */
export * as Trace from "./Trace.js"
