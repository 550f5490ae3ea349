import { type DeriveContext } from '../records/index.js';

export { enginesFromRecords } from '../records/index.js';

/** What the derived `engine_id` key needs: the engine map, looked up by uuid. */
export function engineContext(engines: ReadonlyMap<number, string>): DeriveContext {
  const idOf = new Map([...engines].map(([id, uuid]) => [uuid, id]));
  return { engineId: (uuid) => idOf.get(uuid) };
}
