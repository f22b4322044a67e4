// Echoes what a webhook delivered: its name, the raw request body, and the X-Test header.
module.exports = async ({ WebhookData }, ctx) => {
  if (!WebhookData) throw new Error('Start me through a webhook: WebhookData is missing.');
  const headers = WebhookData.RequestHeader || {};
  const xTest = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-test');
  ctx.output(`WebhookName=${WebhookData.WebhookName}`);
  ctx.output(WebhookData.RequestBody);
  ctx.output(`X-Test=${xTest ? xTest[1] : ''}`);
};
