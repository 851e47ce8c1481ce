/** All activities, built from their dependencies (database, mailer, PKI secrets). */
import type { Orm } from '../db/orm';
import type { Mailer } from '../mail/mailer';
import { createApprovalActivities } from './approval';
import { createSealApplicationActivities } from './seal-application';
import { createSealUseActivities } from './seal-use';

export interface ActivityDeps {
  orm: Orm;
  mailer: Mailer;
  pkiMasterKey: string;
  publicUrl: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createApprovalActivities(deps),
    ...createSealApplicationActivities(deps),
    ...createSealUseActivities(deps),
  };
}
