/** A request body over the host's cap (runtime/http/incoming.ts). */
export class BodyTooLarge extends Error {}
