import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseWebhookUrl } from './webhook-target';

/**
 * `webhookUrl` as far as it can be judged without DNS or config: an http(s) URL with a host and
 * no `user:pass@`, each with its own message. Where it may point (addresses, https in
 * production, ALERTS_WEBHOOK_ALLOWED_HOSTS) is `WebhookDelivery.check`'s, also a 400.
 */
export function IsWebhookUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWebhookUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && 'url' in parseWebhookUrl(value),
        defaultMessage: (args) => {
          const parsed = typeof args?.value === 'string' ? parseWebhookUrl(args.value) : { problem: 'webhookUrl must be an http(s) URL' };
          return 'problem' in parsed ? parsed.problem : 'webhookUrl is invalid';
        },
      },
    },
    options,
  );
}
