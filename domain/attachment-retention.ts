/**
 * The purge of uploads never attached to an approval action (issue 11); the retention period itself is configured
 * (ATTACHMENT_RETENTION_HOURS, infra/config.ts).
 */

/** Rows per purge attempt, so that one stays short; the purge workflow calls again while a batch is full. */
export const PURGE_BATCH = 200;
