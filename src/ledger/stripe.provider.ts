import { Provider } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, AppConfig } from '../config/config';

export const STRIPE = Symbol('STRIPE');

/**
 * The official SDK, pointed at STRIPE_API_URL when set (the local mock in test mode). The SDK
 * itself retries network failures once, with the same idempotency key.
 */
export function createStripeClient(config: AppConfig): Stripe {
  if (!config.stripeSecretKey) throw new Error('no Stripe secret key: bootstrap sets one in test mode');
  const opts: ConstructorParameters<typeof Stripe>[1] = { maxNetworkRetries: 1, timeout: 20_000, telemetry: false };
  if (config.stripeApiUrl) {
    const u = new URL(config.stripeApiUrl);
    const protocol = u.protocol === 'http:' ? 'http' : 'https';
    Object.assign(opts, { host: u.hostname, port: Number(u.port || (protocol === 'http' ? 80 : 443)), protocol });
  }
  return new Stripe(config.stripeSecretKey, opts);
}

export const stripeProvider: Provider = {
  provide: STRIPE,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => createStripeClient(config),
};
