import { Inject, Injectable } from '@nestjs/common';
import { isApiKeyToken, JwtVerificationError, JwtVerifier, type Principal } from '@wozamali/auth';
import { SERVICE_ENV } from '@wozamali/platform';
import type { ApiGatewayEnv } from '../config/env';
import { GatewayException } from '../errors/gateway.exception';
import { ApiKeyService } from '../services/api-key.service';

/** Turns `Authorization: Bearer …` (an API key with X-Service-ID, or an end-user JWT) into a principal, or throws the 401. */
@Injectable()
export class Authenticator {
  private readonly jwt: JwtVerifier;

  constructor(private readonly apiKeys: ApiKeyService, @Inject(SERVICE_ENV) env: ApiGatewayEnv) {
    this.jwt = new JwtVerifier({
      secret: env.JWT_SECRET || undefined,
      jwksUrl: env.JWT_JWKS_URL || undefined,
      issuer: env.JWT_ISSUER || undefined,
      audience: env.JWT_AUDIENCE || undefined,
    });
  }

  async authenticate(authorization: string | undefined, serviceId: string | undefined): Promise<Principal> {
    if (!authorization) throw new GatewayException('missing_credentials', 'send Authorization: Bearer <API key or token>');
    const m = /^Bearer ([^\s]{1,4096})$/i.exec(authorization);
    if (!m) throw new GatewayException('invalid_credentials', 'the Authorization header must be Bearer <API key or token>');
    const token = m[1];
    if (isApiKeyToken(token)) return this.apiKeys.authenticate(token, serviceId);
    try {
      return await this.jwt.verify(token);
    } catch (err) {
      if (err instanceof JwtVerificationError) throw new GatewayException(err.reason, err.message);
      throw err;
    }
  }
}
