export { OwnerPicker } from './OwnerPicker';
export { validateOwner } from './validation';
export { loadOwnerChoices, ownerProblem, ownerLabel } from './ownerChoices';
export type { OwnerChoice, OwnerChoices } from './ownerChoices';
