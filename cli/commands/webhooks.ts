/** hookbook webhooks create|list|delete */
import { need, type Group } from '../context';
import { CliError, EXIT } from '../errors';
import { printer, table } from '../output';
import { buildParameters } from '../parameters';

export const webhooks: Group = {
  async create({ pos, v, api, io }) {
    const name = need(pos, 0, 'webhook name');
    if (!v.runbook) throw new CliError('webhooks create needs --runbook <name>.');
    const parameters = await buildParameters(api, v.runbook, v);
    const wh = await api.webhooks.create({
      name,
      runbook: v.runbook,
      ...(parameters ? { parameters } : {}),
      ...(v.expiry ? { expiryTime: v.expiry } : {}),
      ...(v.disabled ? { isEnabled: false } : {}),
    });
    printer(v, io)(
      wh,
      () => `Webhook ${wh.name} created for ${wh.runbook} (expires ${wh.expiryTime}).\nURL (shown only now, keep it secret):\n${wh.uri}\n`,
    );
    return EXIT.ok;
  },

  async list({ v, api, io }) {
    const value = (await api.webhooks.list(v.runbook)).value ?? [];
    printer(v, io)(value, () =>
      table([
        ['NAME', 'RUNBOOK', 'ENABLED', 'EXPIRES', 'LAST INVOKED'],
        ...value.map((w) => [w.name, w.runbook, String(w.isEnabled), w.expiryTime ?? '', w.lastInvokedTime ?? '']),
      ]),
    );
    return EXIT.ok;
  },

  async delete({ pos, v, api, io }) {
    const name = need(pos, 0, 'webhook name');
    await api.webhooks.delete(name);
    printer(v, io)({ name, deleted: true }, () => `Webhook ${name} deleted.\n`);
    return EXIT.ok;
  },
};
