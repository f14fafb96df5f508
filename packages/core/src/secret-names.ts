/**
 * Field names that hold secrets, in the spellings inputs use for them. One list for both
 * places that must agree: the dashboard (and `conveyor inspect`) redact a key of one of these
 * names at any depth, and `defineTask({ index })` refuses a field whose last segment is one,
 * since an indexed value is stored in a key's name on Redis. Matched whole, in any case:
 * `tokens` or `secretary` is not a secret name.
 */
export const SECRET_FIELD_NAMES: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'clientSecret',
  'client_secret',
  'secretKey',
  'secret_key',
  'apiSecret',
  'api_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'authToken',
  'auth_token',
  'x-auth-token',
  'sessionToken',
  'session_token',
  'sessionId',
  'session_id',
  'apiKey',
  'api_key',
  'x-api-key',
  'authorization',
  'cookie',
  'set-cookie',
  'privateKey',
  'private_key',
  'creditCard',
  'credit_card',
  'cardNumber',
  'card_number',
  'cvv',
  'cvc',
]);

const LOWER: ReadonlySet<string> = new Set(SECRET_FIELD_NAMES.map((name) => name.toLowerCase()));

/** Whether `name` (one key, not a path) is one of {@link SECRET_FIELD_NAMES}, in any case. */
export function isSecretFieldName(name: string): boolean {
  return LOWER.has(name.toLowerCase());
}
