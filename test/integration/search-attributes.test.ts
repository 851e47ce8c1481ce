/**
 * The typed search attributes the workflows set (workflows/search-attributes.ts) are registered on the test's
 * Temporal server with their types: the dev server gets them as `--search-attribute` flags (infra/temporal.ts).
 */
import { Connection } from '@temporalio/client';
import { loadConfig } from '../../infra/config';
import * as keys from '../../workflows/search-attributes';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../workflows/search-attributes';
import { testServices } from '../support/env';
import { indexedValueType } from '../support/time-skipping';

let connection: Connection;
beforeAll(async () => {
  connection = await Connection.connect({ address: testServices().temporalAddress });
});
afterAll(async () => {
  await connection?.close();
});

it('every registered search attribute exists on the namespace with its type', async () => {
  const namespace = loadConfig({ NODE_ENV: 'test' }).temporalNamespace;
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const expected = Object.entries(SEARCH_ATTRIBUTE_REGISTRATIONS);
  expect(expected.length).toBeGreaterThan(0);
  for (const [name, cliType] of expected) {
    expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: indexedValueType(cliType) });
  }
});

it('the registrations agree with the typed keys the workflows use', () => {
  const typedKeys = Object.values(keys).filter(
    (v): v is { name: string; type: string } =>
      typeof v === 'object' && v !== null && 'name' in v && 'type' in v,
  );
  expect(Object.fromEntries(typedKeys.map((k) => [k.name, indexedValueType(k.type)]))).toEqual(
    Object.fromEntries(
      Object.entries(SEARCH_ATTRIBUTE_REGISTRATIONS).map(([name, cliType]) => [
        name,
        indexedValueType(cliType),
      ]),
    ),
  );
});
