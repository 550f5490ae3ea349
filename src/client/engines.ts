import { isDict, type DeriveContext, type TaskRecord, type Value } from '../records/index.js';

/**
 * Engine id → uuid as the records tell it. A 7.x hub puts
 * `engine_info: {engine_uuid, engine_id}` in the result_metadata of a failed
 * task (the `engine_info` inside the error itself says -1: the engine does
 * not know its id); some records carry `engine_id` in result_metadata itself.
 */
export function enginesFromRecords(records: Iterable<TaskRecord>): Map<number, string> {
  const map = new Map<number, string>();
  const note = (id: Value | undefined, uuid: Value | undefined) => {
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && typeof uuid === 'string' && uuid) map.set(id, uuid);
  };
  for (const r of records) {
    const uuid = r['engine_uuid'];
    const md = r['result_metadata'];
    if (!isDict(md)) continue;
    note(md['engine_id'], uuid);
    const info = md['engine_info'];
    if (isDict(info)) note(info['engine_id'], info['engine_uuid'] ?? uuid);
  }
  return new Map([...map].sort((a, b) => a[0] - b[0]));
}

/** What the derived `engine_id` key needs: the engine map, looked up by uuid. */
export function engineContext(engines: ReadonlyMap<number, string>): DeriveContext {
  const idOf = new Map([...engines].map(([id, uuid]) => [uuid, id]));
  return { engineId: (uuid) => idOf.get(uuid) };
}
