export { FlavorPicker } from './FlavorPicker';
export { validateFlavorSelection } from './validation';
export { selectionProblem, flavorLabel } from './flavorSelection';
export type { FlavorSelection } from './flavorSelection';
