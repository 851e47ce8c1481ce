/** Every migration, in order. Listed explicitly so that migrations run the same under tsx, jest and a bundle. */
import { Migration20261127000000_foundation } from './Migration20261127000000_foundation';

export const MIGRATIONS = [
  { name: 'Migration20261127000000_foundation', class: Migration20261127000000_foundation },
];
