/**
 * The built-in integrations' code, loaded with the first delivery or the first "Connect Gmail": a phone
 * that logs nowhere never loads it, and the hub starts without it.
 */
export { attach } from '../../integrations/sdk/client.ts';
export { GmailApi } from '../../integrations/gmail/gmail-api.ts';
export { GmailLogger } from '../../integrations/gmail/gmail-logger.ts';
export { authorizationUrl, readRedirect } from '../../integrations/gmail/oauth.ts';
export { WebhookSender } from '../../integrations/webhook/webhook-sender.ts';
