/** Every workflow the worker runs. */
export { approvalWorkflow } from './approval';
export { sealApplicationWorkflow } from './seal-application';
export { sealUseWorkflow } from './seal-use';
export { licenceIssuanceWorkflow } from './licence-issuance';
export { sealSignatureWorkflow } from './signing';
export { licenceEventWorkflow } from './licence-event';
export { licenceExpirySweepWorkflow } from './licence-expiry-sweep';
export { exchangeBacklogWorkflow, exchangeResendWorkflow } from './exchange-backlog';
