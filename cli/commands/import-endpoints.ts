/** ops import-endpoints: CUSTOM endpoints from a CSV file, all checked before any is written. */
import * as fs from 'node:fs';
import { endpointsFromCsv } from '../shared/csv';
import { updateEndpoints } from '../shared/endpoints';
import type { OpsCommand } from '../shared/io';
import { flags, projectId } from '../shared/stacks';
import { UsageError } from '../shared/usage';

const IMPORT_HELP = `Usage: npm run ops -- import-endpoints --file people.csv [--project-id ID] [--stack-prefix NAME] [--dry-run]

Creates or updates CUSTOM endpoints from a CSV file with a header row. Columns:
  address        the phone number (required)
  endpointId     the endpoint's id (default custom-<a hash of the number>)
  userId         the user's id
  attr:NAME      an endpoint attribute;  user:NAME  a user attribute (for {{User.UserAttributes.NAME}})
Every row is checked first. If any is rejected, each is reported with its line number and nothing
is imported. Endpoints go to Pinpoint in batches of 100.`;

export const importEndpoints: OpsCommand = async (argv, env, io, clients) => {
  const values = flags(argv, { file: { type: 'string' }, 'project-id': { type: 'string' } });
  if (values.help) {
    io.out(IMPORT_HELP);
    return 0;
  }
  if (typeof values.file !== 'string') throw new UsageError(`--file is required (see --help)`);
  let text: string;
  try {
    text = fs.readFileSync(values.file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const { items, rejected } = endpointsFromCsv(text);
  if (rejected.length > 0) {
    for (const problem of rejected) io.err(problem);
    throw new UsageError(`${rejected.length} row(s) rejected; nothing was imported`);
  }
  if (items.length === 0) throw new UsageError(`${values.file} has no endpoint rows`);
  await updateEndpoints(items, await projectId(values, env, clients), Boolean(values['dry-run']), io, clients);
  if (!values['dry-run']) io.out(`${items.length} endpoint(s) created or updated`);
  return 0;
};
