import type { ModelName, PopulateModel } from '../model.js';
import { usersModel } from './users.js';
import { eventsModel } from './events.js';
import { allTypesModel } from './all-types.js';

export const MODELS: Readonly<Record<ModelName, PopulateModel>> = Object.freeze({
  users: usersModel,
  events: eventsModel,
  'all-types': allTypesModel,
});
