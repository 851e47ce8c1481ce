/**
 * Issue 19 (LM-10): a converted licence's unit, type and legacy number as the one key its unique index holds
 * (`licence_legacy_key_uq`, db/migrations/Migration20261208100001_conversion_legacy_key.ts), over the licence row
 * aliased `l`. A statement that finds licences by legacy number compares this with `licence_legacy_key(…)` of what
 * it looks for and states `l.legacy_number is not null` (the index covers converted licences only), so that the
 * index is the planner's one way in.
 */
export const LICENCE_LEGACY_KEY =
  'licence_legacy_key(l.issuer_organisation_id, l.type_code, l.legacy_number)';
