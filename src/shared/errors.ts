/** Named errors that keep their name across Comlink. */
export type HubErrorName =
  | 'CallNotFound'
  | 'NotSignedIn'
  | 'InvalidArgument'
  | 'InvalidState'
  | 'NoMediaTab'
  | 'SignInFailed'
  | 'VersionConflict'
  | 'NotFound'
  | 'PermissionDenied'
  | 'InvalidMessage'
  | 'RateLimited'
  | 'QuotaExceeded';

/**
 * Comlink rethrows a plain Error keeping `name` and `message`, so every error the hub throws at a
 * client carries a stable name to branch on and a message that says what to do.
 */
export function hubError(name: HubErrorName, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
