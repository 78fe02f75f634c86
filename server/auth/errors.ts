/**
 * OAuth 2.0 errors of the authorization server (RFC 6749 §4.1.2.1 and §5.2, RFC 7009 §2.2.1,
 * RFC 7662 §2.3): a JSON body `{error, error_description}` with `Cache-Control: no-store`, never an
 * OperationOutcome. `invalid_client` is 401 with a `WWW-Authenticate` challenge (RFC 6749 §5.2).
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/** Error codes of RFC 6749 §4.1.2.1 / §5.2, RFC 7009 and RFC 8693 §2.2.2 (`invalid_target`). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable';

/** An OAuth error to answer with. */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }
}

/** 400 invalid_request: a parameter is missing, repeated or malformed. */
export function invalidRequest(description: string): OAuthError {
  return new OAuthError('invalid_request', description);
}

/**
 * invalid_client: client authentication failed (RFC 6749 §5.2): 401 with a Basic challenge when the
 * client authenticated with the Authorization header, else 400.
 */
export function invalidClient(description: string, basic = false): OAuthError {
  if (!basic) return new OAuthError('invalid_client', description, 400);
  return new OAuthError('invalid_client', description, 401, { 'www-authenticate': 'Basic realm="ccm-fhir"' });
}

/** 400 invalid_grant: the code, refresh token or redirect_uri is invalid, expired, used or not this client's. */
export function invalidGrant(description: string): OAuthError {
  return new OAuthError('invalid_grant', description);
}

/** Headers every token, introspection and error response carries (RFC 6749 §5.1). */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** Writes an OAuth JSON error. */
export function sendOAuthError(res: Response, err: OAuthError): void {
  res.status(err.status).set({ ...NO_STORE, ...err.headers });
  res.json({ error: err.error, error_description: err.description });
}

/** Express error middleware for /auth: OAuth errors as JSON, anything else a logged 500 server_error. */
export function oauthErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof OAuthError) {
      sendOAuthError(res, err);
      return;
    }
    const e = err as { status?: number; type?: string };
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendOAuthError(
        res,
        invalidRequest(e.type === 'entity.too.large' ? 'The body is too large' : 'Malformed request'),
      );
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'authorization server error');
    sendOAuthError(res, new OAuthError('server_error', 'Internal error', 500));
  };
}
