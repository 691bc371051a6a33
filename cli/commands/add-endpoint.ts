/** ops add-endpoint: one CUSTOM endpoint, created or updated. */
import { maskRecipient } from '../../lambda/domain';
import { attributes, endpointItem, printableEndpointId, updateEndpoints } from '../shared/endpoints';
import type { OpsCommand } from '../shared/io';
import { flags, projectId } from '../shared/stacks';
import { UsageError } from '../shared/usage';

const ADD_ENDPOINT_HELP = `Usage: npm run ops -- add-endpoint --address +15551234567 [--user-id ID] [--attr Key=Value ...]
    [--user-attr Key=Value ...] [--endpoint-id ID] [--project-id ID] [--stack-prefix NAME] [--dry-run]

Creates or updates one CUSTOM endpoint whose Address is the phone number. Its id is custom-<a hash of
the number> unless --endpoint-id is given, so adding the same number again updates it. --user-attr values fill
placeholders such as {{User.UserAttributes.FirstName}}.`;

export const addEndpoint: OpsCommand = async (argv, env, io, clients) => {
  const values = flags(argv, {
    address: { type: 'string' }, 'user-id': { type: 'string' }, attr: { type: 'string', multiple: true }, 'user-attr': { type: 'string', multiple: true },
    'endpoint-id': { type: 'string' }, 'project-id': { type: 'string' },
  });
  if (values.help) {
    io.out(ADD_ENDPOINT_HELP);
    return 0;
  }
  if (typeof values.address !== 'string') throw new UsageError(`--address is required (see --help)`);
  const item = endpointItem(values.address, {
    endpointId: values['endpoint-id'] as string | undefined, userId: values['user-id'] as string | undefined,
    attributes: attributes(values.attr, '--attr'), userAttributes: attributes(values['user-attr'], '--user-attr'),
  });
  if (typeof item === 'string') throw new UsageError(item);
  await updateEndpoints([item], await projectId(values, env, clients), Boolean(values['dry-run']), io, clients);
  if (!values['dry-run']) io.out(`endpoint ${printableEndpointId(item.Id!)} (${maskRecipient(item.Address!)}) created or updated`);
  return 0;
};
