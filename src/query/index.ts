export * from './ast.js';
export { compileQuery, describe, type QueryInput } from './compile.js';
export { matchNode, testCond, resolvePath, compareRecords } from './match.js';
export { matches, compileMatcher, type Matcher } from './matcher.js';
export { normalizeKeys, project, projector, type KeysInput, type Projector } from './project.js';
export * from './operators.js';
export { globToRegExp, pythonRegExp, escapeRegExp } from './patterns.js';
export { toMongo, queryToMongo, toBson, MONGO_FIELD_OPERATORS, MONGO_TOP_OPERATORS, MONGO_JS_OPERATORS, type MongoFilter, type MongoFilterOptions } from './mongo.js';
export { toSql, quoteIdentifier, canonicalTimestamp, timestampExpression, SQL_TIMESTAMP_FUNCTION, CANONICAL_TIMESTAMP_GLOB, type SqlFilter, type SqlParam, type ColumnOf } from './sql.js';
