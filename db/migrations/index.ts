/** Every migration, in order. Listed explicitly so that migrations run the same under tsx, jest and a bundle. */
import { Migration20261127000000_foundation } from './Migration20261127000000_foundation';
import { Migration20261127010000_calendar } from './Migration20261127010000_calendar';
import { Migration20261127020000_approval_engine } from './Migration20261127020000_approval_engine';
import { Migration20261127030000_seal_use } from './Migration20261127030000_seal_use';
import { Migration20261127040000_licences } from './Migration20261127040000_licences';
import { Migration20261128000000_flow_drafts } from './Migration20261128000000_flow_drafts';
import { Migration20261202000100_audit_chain } from './Migration20261202000100_audit_chain';
import { Migration20261202000400_oidc_subject } from './Migration20261202000400_oidc_subject';
import { Migration20261202300000_approval_branches_signatures } from './Migration20261202300000_approval_branches_signatures';
import { Migration20261202400000_approval_clock } from './Migration20261202400000_approval_clock';
import { Migration20261202830000_holder_portal } from './Migration20261202830000_holder_portal';
import { Migration20261202984000_service_items } from './Migration20261202984000_service_items';
import { Migration20261202981001_inbox_notice_sources } from './Migration20261202981001_inbox_notice_sources';
import { Migration20261202982000_assessment_targets } from './Migration20261202982000_assessment_targets';
import { Migration20261202970000_ca_issuers_url } from './Migration20261202970000_ca_issuers_url';
import { Migration20261202986001_case_numbers } from './Migration20261202986001_case_numbers';
import { Migration20261202991001_seal_custodians } from './Migration20261202991001_seal_custodians';
import { Migration20261202990000_paper_complaints } from './Migration20261202990000_paper_complaints';
import { Migration20261202992001_trust_anchors } from './Migration20261202992001_trust_anchors';
import { Migration20261202992002_certificate_key_algorithm } from './Migration20261202992002_certificate_key_algorithm';
import { Migration20261202996001_random_checks } from './Migration20261202996001_random_checks';
import { Migration20261203200001_seal_use_handover_deadline } from './Migration20261203200001_seal_use_handover_deadline';
import { Migration20261204100001_delivery_relay } from './Migration20261204100001_delivery_relay';
import { Migration20261204200001_directory_version } from './Migration20261204200001_directory_version';
import { Migration20261204400001_outbox_payload_from_licence } from './Migration20261204400001_outbox_payload_from_licence';
import { Migration20261205300001_conversion_file_hash } from './Migration20261205300001_conversion_file_hash';
import { Migration20261205500001_conversion_record_once } from './Migration20261205500001_conversion_record_once';
import { Migration20261208100001_conversion_legacy_key } from './Migration20261208100001_conversion_legacy_key';
import { Migration20261209100001_signature_material } from './Migration20261209100001_signature_material';
import { Migration20261202997001_seal_use_handover } from './Migration20261202997001_seal_use_handover';
import { Migration20261202700000_seal_status } from './Migration20261202700000_seal_status';
import { Migration20261202600000_licence_lifecycle } from './Migration20261202600000_licence_lifecycle';
import { Migration20261202800000_organisation_certificates } from './Migration20261202800000_organisation_certificates';
import { Migration20261202500000_pades } from './Migration20261202500000_pades';
import { Migration20261202820000_disputes } from './Migration20261202820000_disputes';
import { Migration20261202850000_transparency_log } from './Migration20261202850000_transparency_log';
import { Migration20261202940000_licence_usage_requests } from './Migration20261202940000_licence_usage_requests';
import { Migration20261202860000_licence_conversion } from './Migration20261202860000_licence_conversion';
import { Migration20261202910001_force_majeure } from './Migration20261202910001_force_majeure';
import { Migration20261202983001_reorganisation } from './Migration20261202983001_reorganisation';
import { Migration20261202930001_organisation_registry } from './Migration20261202930001_organisation_registry';
import { Migration20261202920000_supervision } from './Migration20261202920000_supervision';
import { Migration20261202920100_simulated_requests } from './Migration20261202920100_simulated_requests';

export const MIGRATIONS = [
  { name: 'Migration20261127000000_foundation', class: Migration20261127000000_foundation },
  { name: 'Migration20261127010000_calendar', class: Migration20261127010000_calendar },
  { name: 'Migration20261127020000_approval_engine', class: Migration20261127020000_approval_engine },
  { name: 'Migration20261127030000_seal_use', class: Migration20261127030000_seal_use },
  { name: 'Migration20261127040000_licences', class: Migration20261127040000_licences },
  { name: 'Migration20261128000000_flow_drafts', class: Migration20261128000000_flow_drafts },
  { name: 'Migration20261202000100_audit_chain', class: Migration20261202000100_audit_chain },
  { name: 'Migration20261202000400_oidc_subject', class: Migration20261202000400_oidc_subject },
  {
    name: 'Migration20261202300000_approval_branches_signatures',
    class: Migration20261202300000_approval_branches_signatures,
  },
  { name: 'Migration20261202400000_approval_clock', class: Migration20261202400000_approval_clock },
  { name: 'Migration20261202500000_pades', class: Migration20261202500000_pades },
  { name: 'Migration20261202600000_licence_lifecycle', class: Migration20261202600000_licence_lifecycle },
  { name: 'Migration20261202700000_seal_status', class: Migration20261202700000_seal_status },
  {
    name: 'Migration20261202800000_organisation_certificates',
    class: Migration20261202800000_organisation_certificates,
  },
  { name: 'Migration20261202820000_disputes', class: Migration20261202820000_disputes },
  { name: 'Migration20261202830000_holder_portal', class: Migration20261202830000_holder_portal },
  { name: 'Migration20261202850000_transparency_log', class: Migration20261202850000_transparency_log },
  { name: 'Migration20261202860000_licence_conversion', class: Migration20261202860000_licence_conversion },
  { name: 'Migration20261202910001_force_majeure', class: Migration20261202910001_force_majeure },
  { name: 'Migration20261202920000_supervision', class: Migration20261202920000_supervision },
  {
    name: 'Migration20261202920100_simulated_requests',
    class: Migration20261202920100_simulated_requests,
  },
  {
    name: 'Migration20261202930001_organisation_registry',
    class: Migration20261202930001_organisation_registry,
  },
  {
    name: 'Migration20261202940000_licence_usage_requests',
    class: Migration20261202940000_licence_usage_requests,
  },
  { name: 'Migration20261202970000_ca_issuers_url', class: Migration20261202970000_ca_issuers_url },
  {
    name: 'Migration20261202981001_inbox_notice_sources',
    class: Migration20261202981001_inbox_notice_sources,
  },
  { name: 'Migration20261202982000_assessment_targets', class: Migration20261202982000_assessment_targets },
  { name: 'Migration20261202983001_reorganisation', class: Migration20261202983001_reorganisation },
  { name: 'Migration20261202984000_service_items', class: Migration20261202984000_service_items },
  { name: 'Migration20261202986001_case_numbers', class: Migration20261202986001_case_numbers },
  { name: 'Migration20261202990000_paper_complaints', class: Migration20261202990000_paper_complaints },
  { name: 'Migration20261202991001_seal_custodians', class: Migration20261202991001_seal_custodians },
  { name: 'Migration20261202992001_trust_anchors', class: Migration20261202992001_trust_anchors },
  {
    name: 'Migration20261202992002_certificate_key_algorithm',
    class: Migration20261202992002_certificate_key_algorithm,
  },
  {
    name: 'Migration20261202996001_random_checks',
    class: Migration20261202996001_random_checks,
  },
  { name: 'Migration20261202997001_seal_use_handover', class: Migration20261202997001_seal_use_handover },
  {
    name: 'Migration20261203200001_seal_use_handover_deadline',
    class: Migration20261203200001_seal_use_handover_deadline,
  },
  { name: 'Migration20261204100001_delivery_relay', class: Migration20261204100001_delivery_relay },
  {
    name: 'Migration20261204200001_directory_version',
    class: Migration20261204200001_directory_version,
  },
  {
    name: 'Migration20261204400001_outbox_payload_from_licence',
    class: Migration20261204400001_outbox_payload_from_licence,
  },
  {
    name: 'Migration20261205300001_conversion_file_hash',
    class: Migration20261205300001_conversion_file_hash,
  },
  {
    name: 'Migration20261205500001_conversion_record_once',
    class: Migration20261205500001_conversion_record_once,
  },
  {
    name: 'Migration20261208100001_conversion_legacy_key',
    class: Migration20261208100001_conversion_legacy_key,
  },
  {
    name: 'Migration20261209100001_signature_material',
    class: Migration20261209100001_signature_material,
  },
];
