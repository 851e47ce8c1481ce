/** The message `npm run api`'s primary sends its parent (when it has an IPC channel) once every API process listens. */
export const API_CLUSTER_READY = 'api cluster ready';
