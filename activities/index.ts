/**
 * The platform worker's activities, built from their dependencies (database, mailer, the exchange endpoint). No key
 * and no key-encryption secret: the activities that sign run on the signing task queue (activities/signing.ts,
 * issue 11 Build 5).
 */
import type { Orm } from '../db/orm';
import type { Config } from '../infra/config';
import type { Mailer } from '../mail/mailer';
import { createAnnouncedCaseActivities } from './announced-case';
import { createApprovalActivities } from './approval';
import { createRectificationActivities } from './rectification';
import { createSupervisionRunActivities } from './supervision-run';
import { createAttachmentPurgeActivities } from './attachment-purge';
import { createDisputeActivities } from './dispute';
import { createForceMajeureActivities } from './force-majeure';
import { createCertificateReminderActivities } from './certificate-reminders';
import { createCertificateRequestActivities } from './certificate-requests';
import { createDeliveryRelayActivities } from './delivery-relay';
import { createExchangeActivities } from './exchange';
import { withHeartbeats } from './heartbeat';
import { createLicenceIssuanceActivities } from './licence-issuance';
import { createLicenceConversionActivities } from './licence-conversion';
import { createLicenceEventActivities } from './licence-events';
import { createLicenceExpiryActivities } from './licence-expiry';
import { createLicenceUsageActivities } from './licence-usage';
import { createPersonChangeActivities } from './person-change';
import { createSealUseHandoverActivities } from './seal-use-handover';
import { createReorganisationActivities } from './reorganisation';
import { createSealApplicationActivities } from './seal-application';
import { createSealCustodianActivities } from './seal-custodian';
import { createSealStatusActivities } from './seal-status';
import { createSealUseActivities } from './seal-use';
import { createTransparencyLogActivities } from './transparency-log';

export interface ActivityDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
  /** LM-8: the data-exchange platform's endpoint; unset, exchange messages stay pending. */
  exchangeEndpointUrl?: string;
}

export function createActivities(deps: ActivityDeps) {
  // The long ones heartbeat while they run (workflows/activity-options.ts).
  return withHeartbeats({
    ...createApprovalActivities(deps),
    ...createSealApplicationActivities(deps),
    ...createSealUseActivities(deps),
    ...createSealStatusActivities(deps),
    ...createSealCustodianActivities(deps),
    ...createCertificateRequestActivities(deps),
    ...createLicenceIssuanceActivities(deps),
    ...createExchangeActivities(deps),
    ...createDeliveryRelayActivities(deps),
    ...createAttachmentPurgeActivities(deps),
    ...createLicenceEventActivities(deps),
    ...createLicenceExpiryActivities(deps),
    ...createDisputeActivities(deps),
    ...createForceMajeureActivities(deps),
    ...createCertificateReminderActivities(deps),
    ...createTransparencyLogActivities(deps),
    ...createLicenceConversionActivities(deps),
    ...createLicenceUsageActivities(deps),
    ...createPersonChangeActivities(deps),
    ...createSealUseHandoverActivities(deps),
    ...createReorganisationActivities(deps),
    ...createAnnouncedCaseActivities(deps),
    ...createRectificationActivities(deps),
    ...createSupervisionRunActivities(deps),
  });
}

/** The dependencies as configured: the one place that maps configuration to what activities need. */
export function activityDeps(config: Config, orm: Orm, mailer: Mailer): ActivityDeps {
  return {
    orm,
    mailer,
    publicUrl: config.publicUrl,
    exchangeEndpointUrl: config.exchangeEndpointUrl,
  };
}
