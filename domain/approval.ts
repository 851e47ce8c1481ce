/**
 * The approval engine's pure rules, in three parts: state and types (approval-state.ts), steps, votes and deadlines
 * (approval-steps.ts), and the actions people take (approval-actions.ts, with their transitions in
 * approval-transitions.ts). This module gathers them for callers.
 */
export * from './approval-state';
export * from './approval-steps';
export * from './approval-actions';
