// The form of the admin bearer token (ADMIN_TOKEN or the generated file), shared by config and the gateway; no I/O.

/** Sent in a header on every admin request: printable, no spaces, long enough not to be guessed. */
export const adminTokenPattern = /^[\x21-\x7e]{16,512}$/;

/** What the pattern asks for, in the words of the one-line error either reader gives. */
export const adminTokenRule = '16 to 512 printable characters without spaces';
