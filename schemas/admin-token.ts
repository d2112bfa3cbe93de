// The form of the admin bearer token (ADMIN_TOKEN or the generated file), shared by config and the gateway; no I/O.

/** Sent in a header on every admin request: printable, no spaces, long enough not to be guessed. */
export const adminTokenPattern = /^[\x21-\x7e]{16,512}$/;
