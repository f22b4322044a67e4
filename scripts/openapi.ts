// `npm run openapi -- [file]`: writes the OpenAPI document to a file (or stdout) without starting a
// host: it loads the same function registrations the host loads (each describes its operations in
// shared/openapi/registry.ts) and prints what GET /api/openapi.json would answer. `npm run
// lint:openapi` lints that file with Redocly CLI (rules in redocly.yaml).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { installFunctionsCore } from '../local/functions-core';
import { findFunctionFiles, loadFunctionFiles } from '../local/load-functions';
import { repoRoot } from '../local/settings';

installFunctionsCore();
loadFunctionFiles(findFunctionFiles('functions/*.ts', repoRoot));
// Required after the functions so that it is the very registry they filled.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { openApiDocument } = require(path.join(repoRoot, 'shared/openapi/registry')) as typeof import('../shared/openapi/registry');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { settings } = require(path.join(repoRoot, 'shared/config')) as typeof import('../shared/config');

const text = `${JSON.stringify(openApiDocument(settings().publicUrl), null, 2)}\n`;
const out = process.argv[2];
if (out) writeFileSync(out, text);
else process.stdout.write(text);
