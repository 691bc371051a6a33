/**
 * The duplicate guard's DynamoDB adapter, against a mocked client: a batch's keys claimed in one
 * transaction, cancellations read per item, a lost answer's claims taken back, results recorded in
 * one more; and records Powertools' idempotency utility wrote before are read the same way.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbDeliveryGuard, recordId } from '../../../lambda/adapters/dynamodb-delivery-guard';
import type { EndpointResult } from '../../../lambda/domain';

const dynamodb = mockClient(DynamoDBClient);
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const guard = () => new DynamoDbDeliveryGuard(new DynamoDBClient({ region: 'eu-west-1' }), 'idempotency', 3600, () => NOW);
const signal = () => AbortSignal.timeout(5000);
const items = (call: number) => (dynamodb.commandCalls(TransactWriteItemsCommand)[call].args[0].input as TransactWriteItemsCommandInput).TransactItems!;
const cancelled = (reasons: object[]) => new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });

beforeEach(() => dynamodb.reset());

describe('claiming', () => {
  test('GIVEN 150 new keys WHEN claimed THEN two transactions (DynamoDB takes 100 actions at most), each Put conditional on no live record', async () => {
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    const keys = Array.from({ length: 150 }, (_, i) => `campaign/e${i}`);
    const outcomes = await guard().claim(keys, signal());
    expect([...outcomes.values()].every((o) => o.kind === 'claimed')).toBe(true);
    expect(dynamodb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!.length)).toEqual([100, 50]);
    const put = items(0)[0].Put!;
    expect(put).toMatchObject({
      TableName: 'idempotency',
      Item: { id: { S: recordId('campaign/e0') }, status: { S: 'INPROGRESS' }, expiration: { N: String(NOW / 1000 + 3600) }, claimant: { S: expect.any(String) } },
      ConditionExpression: expect.stringContaining('attribute_not_exists(#id) OR #expiry < :now'),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  test('GIVEN records of earlier sends WHEN claimed THEN each is read from its cancellation reason, and the keys cancelled only with them are claimed in a second transaction', async () => {
    dynamodb.on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled([
        { Code: 'ConditionalCheckFailed', Item: { id: { S: 'x' }, status: { S: 'COMPLETED' }, data: { M: { messageId: { S: 'wamid.1' } } } } },
        { Code: 'ConditionalCheckFailed', Item: { id: { S: 'x' }, status: { S: 'COMPLETED' }, data: { M: { uncertain: { BOOL: true } } } } },
        { Code: 'ConditionalCheckFailed', Item: { id: { S: 'x' }, status: { S: 'INPROGRESS' } } },
        { Code: 'None' },
      ]))
      .resolves({});
    const outcomes = await guard().claim(['a', 'b', 'c', 'd', 'a'], signal());
    expect(Object.fromEntries(outcomes)).toEqual({
      a: { kind: 'already-delivered', messageId: 'wamid.1' }, b: { kind: 'uncertain-earlier' }, c: { kind: 'in-progress' }, d: { kind: 'claimed' },
    });
    expect(items(0)).toHaveLength(4); // a key given twice is claimed once
    expect(items(1).map((item) => item.Put!.Item!.id.S)).toEqual([recordId('d')]);
  });

  test('GIVEN a transaction that keeps conflicting WHEN claimed THEN it is tried three times, then unavailable (nothing sent)', async () => {
    dynamodb.on(TransactWriteItemsCommand).rejects(cancelled([{ Code: 'TransactionConflict' }]));
    const outcomes = await guard().claim(['a'], signal());
    expect(outcomes.get('a')).toEqual({ kind: 'unavailable', reason: 'TransactionConflict' });
    expect(dynamodb.commandCalls(TransactWriteItemsCommand)).toHaveLength(3);
  });

  test('GIVEN a claim whose answer is lost WHEN it fails THEN the keys are unavailable and the call takes back its own claims only', async () => {
    dynamodb.on(TransactWriteItemsCommand).rejectsOnce(Object.assign(new Error('timed out'), { name: 'TimeoutError' })).resolves({});
    const outcomes = await guard().claim(['a', 'b'], signal());
    expect(Object.fromEntries(outcomes)).toEqual({ a: { kind: 'unavailable', reason: 'TimeoutError' }, b: { kind: 'unavailable', reason: 'TimeoutError' } });
    const claimant = items(0)[0].Put!.Item!.claimant.S;
    expect(items(1)).toEqual(['a', 'b'].map((key) => ({
      Delete: {
        TableName: 'idempotency', Key: { id: { S: recordId(key) } },
        ConditionExpression: '#claimant = :claimant', ExpressionAttributeNames: { '#claimant': 'claimant' }, ExpressionAttributeValues: { ':claimant': { S: claimant } },
      },
    })));
  });
});

describe('recording', () => {
  const result = (status: EndpointResult['status'], extra: Partial<EndpointResult> = {}): EndpointResult => ({ endpointId: 'e', status, attempts: 1, ...extra });

  test('GIVEN a delivery, an unanswered send and a surely failed one WHEN settled THEN one transaction: two remembered, one released', async () => {
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    const failed = await guard().settle([
      { key: 'a', result: result('delivered', { messageId: 'wamid.1' }) },
      { key: 'b', result: result('failed', { mayHaveBeenSent: true }) },
      { key: 'c', result: result('failed', { retryable: true }) },
    ], signal());
    expect(failed).toBe(0);
    expect(items(0)).toEqual([
      { Put: { TableName: 'idempotency', Item: { id: { S: recordId('a') }, status: { S: 'COMPLETED' }, expiration: { N: String(NOW / 1000 + 3600) }, data: { M: { messageId: { S: 'wamid.1' } } } } } },
      { Put: { TableName: 'idempotency', Item: { id: { S: recordId('b') }, status: { S: 'COMPLETED' }, expiration: { N: String(NOW / 1000 + 3600) }, data: { M: { uncertain: { BOOL: true } } } } } },
      { Delete: { TableName: 'idempotency', Key: { id: { S: recordId('c') } } } },
    ]);
  });

  test('GIVEN a table that cannot be reached WHEN settled THEN it answers how many were not recorded, and does not throw', async () => {
    dynamodb.on(TransactWriteItemsCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    expect(await guard().settle([{ key: 'a', result: result('delivered') }, { key: 'b', result: result('delivered') }], signal())).toBe(2);
  });
});

describe('records written by the earlier, Powertools-based guard', () => {
  test('the same key gives the same record id as Powertools\' idempotency utility with the function\'s key prefix', () => {
    // GIVEN Powertools' persistence layer configured as the function configured it
    class Layer extends BasePersistenceLayer {
      protected _deleteRecord = jest.fn();
      protected _getRecord = jest.fn();
      protected _putRecord = jest.fn();
      protected _updateRecord = jest.fn();
      id(payload: unknown): string {
        return (this as unknown as { getHashedIdempotencyKey(data: unknown): string }).getHashedIdempotencyKey(payload);
      }
    }
    const layer = new Layer();
    layer.configure({ config: new IdempotencyConfig({}), keyPrefix: 'custom-channel-delivery' });
    // THEN both name the record of a key alike
    for (const key of ['campaign/1/e1', 'connect/c/r/a/p/t', 'ünïcode/key']) expect(recordId(key)).toBe(layer.id({ key }));
  });
});
