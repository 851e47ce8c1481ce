/** Every workflow the worker runs. */
export { approvalWorkflow } from './approval';
export { sealApplicationWorkflow } from './seal-application';
export { sealUseWorkflow } from './seal-use';
export { sealStatusRequestWorkflow } from './seal-status-request';
export { organisationCertificateRequestWorkflow } from './organisation-certificate-request';
export { licenceIssuanceWorkflow } from './licence-issuance';
export { attachmentPurgeWorkflow } from './attachment-purge';
export { sealSignatureWorkflow } from './signing';
export { crlWorkflow, ocspWorkflow, pdfSignatureWorkflow, stampValidationDataWorkflow } from './pdf-signing';
export { licenceEventWorkflow } from './licence-event';
export { licenceExpirySweepWorkflow } from './licence-expiry-sweep';
export { exchangeBacklogWorkflow, exchangeResendWorkflow } from './exchange-backlog';
export { disputeWorkflow } from './dispute';
export { transparencyLogWorkflow } from './transparency-log';
export { licenceConversionWorkflow } from './licence-conversion';
