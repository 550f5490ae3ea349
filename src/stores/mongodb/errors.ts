import { MongoError, MongoParseError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { IpcError, queryError, storeError } from '../../errors.js';

/** The URL as it may be shown: a password in it is masked. */
export function redactUrl(url: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

/** Server error codes that mean "the query itself is wrong". */
const QUERY_CODES = new Set([2, 9, 14, 168, 16020, 28667, 51091, 51108]);
const AUTH_CODES = new Set([18]);
const UNAUTHORIZED_CODES = new Set([13, 8000]);

/** Any failure of the driver, as one sentence for the person at the prompt. */
export function mongoFailure(e: unknown, url: string, timeoutMs: number): IpcError {
  if (e instanceof IpcError) return e;
  const where = redactUrl(url);
  if (e instanceof MongoParseError || (e instanceof Error && e.name === 'MongoParseError')) {
    return storeError(`'${where}' is not a MongoDB URL ipc can use (${e.message}); write it as mongodb://host:27017`);
  }
  if (e instanceof MongoServerSelectionError) {
    const reason = e.message;
    const seconds = `${+(timeoutMs / 1000).toFixed(3)} s`;
    if (/ECONNREFUSED/.test(reason)) {
      return storeError(`cannot reach MongoDB at ${where}: the connection was refused; is mongod running there? (ipc waited ${seconds})`);
    }
    if (/ENOTFOUND|EAI_AGAIN/.test(reason)) {
      return storeError(`cannot reach MongoDB at ${where}: the host name is not known`);
    }
    if (/wire version/.test(reason)) {
      return storeError(`MongoDB at ${where} is too old: ipc needs MongoDB 4.4 or newer (${reason})`);
    }
    if (/[Aa]uthentication failed|AuthenticationFailed/.test(reason)) {
      return storeError(`MongoDB at ${where} refused the credentials (authentication failed); check the user, password and authSource in the URL`);
    }
    return storeError(`no MongoDB server answered at ${where} within ${seconds}; check the URL, or allow more time with the server-selection timeout`);
  }
  if (e instanceof MongoServerError) {
    const code = typeof e.code === 'number' ? e.code : -1;
    if (AUTH_CODES.has(code) || e.codeName === 'AuthenticationFailed') {
      return storeError(`MongoDB at ${where} refused the credentials (authentication failed); check the user, password and authSource in the URL`);
    }
    if (UNAUTHORIZED_CODES.has(code) || e.codeName === 'Unauthorized') {
      return storeError(`MongoDB at ${where} does not allow this: ${e.message}; connect as a user with read access to the task database`);
    }
    if (QUERY_CODES.has(code)) return queryError(`MongoDB rejected the query: ${e.message}`);
    return storeError(`MongoDB at ${where} failed: ${e.message}`);
  }
  if (e instanceof MongoError) return storeError(`MongoDB at ${where} failed: ${e.message}`);
  return storeError(`MongoDB at ${where} failed: ${e instanceof Error ? e.message : String(e)}`);
}
