/**
 * Flow definitions in tests (issue 9): saving makes a draft that changes nothing, so a test that wants a flow live
 * saves and publishes it. Through the API (authorised, validated, dry-run checked, audited), or straight in the
 * database for tests that set up a flow the API would refuse or that run without the API.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FlowDefinition } from '../../db/approval-entities';
import { publishFlowDefinition, saveFlowDefinition } from '../../db/flow-definitions';
import { FlowDefinitionBody } from '../../domain/flow-definition-schema';
import type { TestPlatform } from './platform';

/** Saves a draft through the API and publishes it; the published version (throws on any refusal). */
export async function saveAndPublishFlow(
  t: TestPlatform,
  body: unknown,
  as = 'jc-admin',
): Promise<{ id: string; version: number; status: string; [k: string]: unknown }> {
  const saved = await t.call('POST', '/api/flow-definitions', { as, body });
  if (saved.status !== 201) throw new Error(`saving flow: ${saved.status} ${JSON.stringify(saved.body)}`);
  const published = await t.call('POST', `/api/flow-definitions/${saved.body.id}/publish`, { as });
  if (published.status !== 200) {
    throw new Error(`publishing flow: ${published.status} ${JSON.stringify(published.body)}`);
  }
  return published.body;
}

/** Saves and publishes in the database, without the API's authorisation and dry run. */
export async function saveActiveFlow(
  em: EntityManager,
  body: FlowDefinitionBody,
  by = 'test',
): Promise<FlowDefinition> {
  const draft = await saveFlowDefinition(em, FlowDefinitionBody.parse(body), by);
  const published = await publishFlowDefinition(em, draft.id, by);
  if (!published.ok) throw new Error(`publishing flow ${draft.id}: ${published.reason}`);
  return published.definition;
}
