/**
 * Every operator of the operator table reaches every walker of the query
 * AST: each either answers it or hands it on as residual, and the answer
 * together with the residual keeps exactly the records the shared matcher
 * keeps. A new operator without a case in some walker fails here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toHubQuery, type HubBackend } from '../../src/hub/index.js';
import {
  FIELD_OPERATORS, LOGICAL_OPERATORS, compileMatcher, compileQuery, fieldKeys, fieldNodes, matchNode, matches, walk, type FieldOp, type QueryInput,
} from '../../src/query/index.js';
import { queryToMongo } from '../../src/stores/mongodb/mongo-filter.js';
import { toSql } from '../../src/stores/sqlite/sql-filter.js';
import { RECORDS, T2 } from './fixtures.js';

/** A query using each canonical operator, on a key where it means something. */
const SAMPLES: Record<FieldOp, QueryInput> = {
  eq: { queue: { $eq: 'task' } },
  ne: { queue: { $ne: 'task' } },
  gt: { submitted: { $gt: T2 } },
  gte: { submitted: { $gte: T2 } },
  lt: { submitted: { $lt: T2 } },
  lte: { submitted: { $lte: T2 } },
  in: { client_uuid: { $in: ['c1', null] } },
  nin: { client_uuid: { $nin: ['c1'] } },
  all: { 'metadata.targets': { $all: [0, 1] } },
  mod: { 'result_content.execution_count': { $mod: [2, 1] } },
  exists: { completed: { $exists: true } },
  regex: { stdout: { $regex: '^step' } },
  glob: { engine_uuid: { $glob: 'e*' } },
  not: { queue: { $not: { $eq: 'task' } } },
};

const BACKENDS: HubBackend[] = ['DictDB', 'SQLiteDB', 'MongoDB', 'NoDB', 'unknown'];

function idsOf(query: QueryInput): string[] {
  const q = compileQuery(query);
  return RECORDS.filter((r) => matches(q, r)).map((r) => r['msg_id'] as string);
}

describe('every operator reaches every walker', () => {
  test('the samples cover every operator of the table', () => {
    assert.deepEqual(new Set(Object.keys(SAMPLES)), new Set(FIELD_OPERATORS.map((o) => o.op)));
  });

  for (const spec of FIELD_OPERATORS) {
    const input = SAMPLES[spec.op];
    const wrapped: QueryInput[] = [input, ...LOGICAL_OPERATORS.map((l) => ({ [l.name]: [input] }))];
    for (const query of wrapped) {
      test(`${spec.name} in ${JSON.stringify(query, (_k, v) => (v instanceof Object && 'us' in v ? 'T' : v))}`, () => {
        const q = compileQuery(query);
        const expected = idsOf(query);
        const compiled = compileMatcher(q);
        assert.deepEqual(RECORDS.filter((r) => compiled(r)).map((r) => r['msg_id']), expected, 'compileMatcher');
        assert.deepEqual(RECORDS.filter((r) => matchNode(q.root, r)).map((r) => r['msg_id']), expected, 'matchNode');

        const sql = toSql(q, (k) => `"${k}"`);
        assert.ok(sql.where !== '1' || sql.residual !== null, `toSql neither answers nor hands on ${spec.name}`);

        const mongo = JSON.stringify(queryToMongo(q));
        assert.notEqual(mongo, '{}', `toMongo drops ${spec.name}`);

        for (const backend of BACKENDS) assert.doesNotThrow(() => toHubQuery(q, backend), backend);

        const keys = fieldKeys(q);
        const key = Object.keys(input as object)[0]!.split('.')[0]!;
        assert.ok(keys.has(key), `fieldKeys misses ${key}`);
        assert.equal([...fieldNodes(q)].length, 1);
        assert.ok([...walk(q.root)].length >= 2);
      });
    }
  }
});
