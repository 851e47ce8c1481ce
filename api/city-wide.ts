/**
 * What applies across the whole city — a jurisdiction level's default flow and the platform default
 * (api/services/flow-definitions.ts), the working-day calendar every deadline counts on (api/services/calendar.ts),
 * and the catalogue's national, provincial and city licence types (api/services/licence-types.ts) — belongs to the
 * city's top management unit alone (LM-5, LM-6): a platform administrator of a management unit whose jurisdiction
 * is the platform's top city (`JurisdictionTree.cityTop`, 晋城市 in the seed). A county's administrator keeps
 * their own units' flows and their own county's types, never the city's.
 */
import type { Jurisdiction } from '../db/entities';
import type { AppContext } from './context';
import type { Principal } from './principal';

export function isCityWideAdmin(principal: Principal, top: Pick<Jurisdiction, 'id'>): boolean {
  return (
    principal.roles.includes('platform_admin') &&
    principal.organisationFunctions.includes('management_unit') &&
    principal.jurisdictionId === top.id
  );
}

/** Why the principal may not change something city-wide (in Chinese, naming `what`), or null when they may. */
export async function cityWideRefusal(
  ctx: AppContext,
  principal: Principal,
  what: string,
): Promise<string | null> {
  const top = await ctx.jurisdictions.cityTop();
  if (top && isCityWideAdmin(principal, top)) return null;
  return `${what}适用于全市，只有${top?.name ?? '市'}管理单位的平台管理员可以维护`;
}
