export { FlavorTable } from './FlavorTable';
