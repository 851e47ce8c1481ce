/** Every workflow the worker runs. */
export { sealApplicationWorkflow } from './seal-application';
