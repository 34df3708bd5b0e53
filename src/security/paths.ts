// The cluster-membership endpoints of a master (served by src/api/join-api.ts).
export const CA_PATH = '/tsmesos/v1/ca';
export const JOIN_PATH = '/tsmesos/v1/join';
export const TOKENS_PATH = '/tsmesos/v1/tokens';
export const RENEW_PATH = '/tsmesos/v1/renew';
export const PRINCIPALS_PATH = '/tsmesos/v1/principals';
