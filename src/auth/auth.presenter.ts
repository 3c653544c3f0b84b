import { wireId, wireTime } from '../common/wire';
import { ApiKeyEntity, UserEntity } from './auth.entities';

export function presentUser(user: UserEntity, apiKey?: string) {
  return {
    object: 'User' as const,
    id: wireId(user.id),
    email: user.email,
    ...(apiKey ? { api_key: apiKey } : {}),
    created: wireTime(user.created),
    updated: wireTime(user.updated),
  };
}

/** The secret is present only in the response that created the key. */
export function presentApiKey(key: ApiKeyEntity, secret?: string) {
  return {
    object: 'ApiKey' as const,
    id: wireId(key.id),
    name: key.name,
    key_hint: `…${key.keyHint}`,
    ...(secret ? { api_key: secret } : {}),
    created: wireTime(key.created),
    updated: wireTime(key.updated),
  };
}
