// Build identity. The single-file build replaces these via esbuild `define`.
declare const __TSMESOS_VERSION__: string | undefined;
declare const __TSMESOS_BUILD_DATE__: string | undefined;

export const VERSION: string = typeof __TSMESOS_VERSION__ === 'string' ? __TSMESOS_VERSION__ : '0.1.0-dev';
export const BUILD_DATE: string = typeof __TSMESOS_BUILD_DATE__ === 'string' ? __TSMESOS_BUILD_DATE__ : '';
/** The Mesos API version we speak, reported where Mesos clients look for it. */
export const MESOS_COMPAT_VERSION = '1.11.0';
