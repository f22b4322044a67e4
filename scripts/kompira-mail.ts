// `npm run kompira-mail -- <path> [options]`: renders the Kompira notification e-mail (seed 003)
// for a runbook through POST /api/v1/kompira/mail and prints its HTML (or the whole answer with
// --json). The server mints an operator key limited to that runbook unless --token is given.
//
//   HOOKBOOK_URL  the service (default http://localhost:7071)
//   HOOKBOOK_KEY  an admin key, keyId:secret
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run kompira-mail -- <path> [options]

  <path>                  the jobflow path, e.g. /root/restart_process
  --subject <text>        the mail's subject
  --message <text>        the text above the button
  --label <text>          the button's label
  --param <name=value>    a parameter value posted by the button (repeatable)
  --token <keyId:secret>  put this key in the button instead of minting one
  --role <operator|admin> role of a minted key (default operator)
  --land <json|html>      where the button lands: the seed's "/process/<id>" (json, default) or a page
  --out <file>            write the HTML to a file instead of stdout
  --json                  print the whole answer (subject, url, html, keyId) as JSON
  --url <url>             the service (default $HOOKBOOK_URL or http://localhost:7071)

The admin key is read from $HOOKBOOK_KEY (keyId:secret).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      subject: { type: 'string' },
      message: { type: 'string' },
      label: { type: 'string' },
      param: { type: 'string', multiple: true },
      token: { type: 'string' },
      role: { type: 'string' },
      land: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  const key = process.env.HOOKBOOK_KEY;
  if (!key) {
    process.stderr.write('HOOKBOOK_KEY is not set: export an admin key (keyId:secret).\n');
    return 2;
  }
  const parameters: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) {
      process.stderr.write(`--param ${p}: use name=value.\n`);
      return 2;
    }
    parameters[p.slice(0, i)] = p.slice(i + 1);
  }
  const base = (values.url ?? process.env.HOOKBOOK_URL ?? 'http://localhost:7071').replace(/\/+$/, '');
  const body = {
    path: positionals[0],
    ...(values.subject !== undefined ? { subject: values.subject } : {}),
    ...(values.message !== undefined ? { message: values.message } : {}),
    ...(values.label !== undefined ? { buttonLabel: values.label } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values.role !== undefined ? { keyRole: values.role } : {}),
    ...(values.land !== undefined ? { format: values.land } : {}),
    // Values from the command line are text; the form posts text and the service converts it.
    ...(Object.keys(parameters).length ? { parameters } : {}),
  };
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/kompira/mail`, {
      method: 'POST',
      headers: { Authorization: `Token ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    process.stderr.write(`Cannot reach ${base}: ${(error as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text;
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
    } catch {
      /* not JSON */
    }
    process.stderr.write(`${res.status}: ${detail}\n`);
    return 1;
  }
  const mail = JSON.parse(text) as { subject: string; html: string; keyId: string; keyMinted: boolean };
  if (values.json) process.stdout.write(JSON.stringify(mail, null, 2) + '\n');
  else if (values.out) writeFileSync(values.out, mail.html);
  else process.stdout.write(mail.html);
  process.stderr.write(
    `Subject: ${mail.subject}\n` +
      (mail.keyMinted ? `Minted key ${mail.keyId} (revoke it with DELETE /api/v1/keys/${mail.keyId}).\n` : `Using key ${mail.keyId}.\n`) +
      (values.out ? `HTML written to ${values.out}.\n` : ''),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  },
);
