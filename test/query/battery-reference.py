# Python's answer to every query of the battery (counting.test.ts), in one process.
#
# INPUT: {'db': tasks.db, 'table': name, 'engines': {id: uuid} or None, 'queries': [...],
# 'dictdb': [bool, ...] (which queries ipyparallel's DictDB answers too)}.
# Records are read with ipyparallel's own SQLiteDB converters; the derived keys
# are computed with ipyparallel's unpack_apply_message and deserialize_object.
# The matcher is a small correct one (DictDB's is wrong: $gt acts as $lt, plain
# equality binds late, no dotted keys), with ipc's documented semantics: None
# matches None or missing, $ne/$nin keep None, a list is tested as itself and
# through each item, ordering across kinds never matches. Where ipyparallel's
# DictDB is right (one stored key: equality, $in, $nin, $ne), its own
# find_records answers too, and both answers are emitted.
import fnmatch
import pickle
import sqlite3
from collections import deque

import numpy as np
from ipyparallel.controller.dictdb import DictDB
from ipyparallel.controller.sqlitedb import _convert_bufs, _convert_dict, _convert_timestamp
from ipyparallel.serialize import deserialize_object, unpack_apply_message

MISSING = object()
DERIVED = {'function', 'args', 'kwargs', 'result', 'code', 'status', 'engine_id', 'queue_wait', 'run_time'}


DICT_KEYS = {'header', 'metadata', 'content', 'result_header', 'result_metadata', 'result_content'}
BUF_KEYS = {'buffers', 'result_buffers'}
TIME_KEYS = {'submitted', 'started', 'completed', 'received'}


def read_records(path, table):
    db = sqlite3.connect('file:%s?mode=ro' % path, uri=True)
    cur = db.execute("SELECT * FROM '%s'" % table)
    names = [d[0] for d in cur.description]
    out = []
    for row in cur:
        rec = {}
        for k, v in zip(names, row):
            if v is not None and k in DICT_KEYS:
                v = _convert_dict(v.encode() if isinstance(v, str) else v)
            elif v is not None and k in BUF_KEYS:
                v = _convert_bufs(v)
            elif v is not None and k in TIME_KEYS:
                v = _convert_timestamp(v.encode() if isinstance(v, str) else v)
                if v.tzinfo is None:
                    v = v.astimezone()
            rec[k] = v
        out.append(rec)
    return out


def status_of(rec):
    for k in ('result_content', 'result_header', 'result_metadata'):
        d = rec.get(k)
        if isinstance(d, dict) and isinstance(d.get('status'), str):
            s = d['status']
            if s in ('ok', 'error', 'aborted'):
                return s
            break
    if isinstance(rec.get('error'), dict):
        return 'error'
    return 'ok' if rec.get('completed') is not None else 'pending'


def code_of(rec):
    if isinstance(rec.get('execute_input'), str):
        return rec['execute_input']
    header, content = rec.get('header'), rec.get('content')
    is_exec = isinstance(header, dict) and header.get('msg_type') == 'execute_request'
    if isinstance(content, dict) and isinstance(content.get('code'), str) and (is_exec or not isinstance(header, dict)):
        return content['code']
    return None


def engine_map_from_records(records):
    m = {}
    for r in records:
        md = r.get('result_metadata')
        if not isinstance(md, dict):
            continue
        for i, u in ((md.get('engine_id'), r.get('engine_uuid')),) + (
            ((md['engine_info'].get('engine_id'), md['engine_info'].get('engine_uuid', r.get('engine_uuid'))),)
            if isinstance(md.get('engine_info'), dict) else ()):
            if type(i) is int and i >= 0 and isinstance(u, str) and u:
                m[i] = u
    return m


def engine_id_of(rec, by_uuid):
    uuid = rec.get('engine_uuid')
    if isinstance(uuid, str) and uuid in by_uuid:
        return by_uuid[uuid]
    md = rec.get('result_metadata')
    if isinstance(md, dict) and type(md.get('engine_id')) is int:
        return md['engine_id']
    for holder in (md, rec.get('result_content'), rec.get('error')):
        if not isinstance(holder, dict):
            continue
        info = holder.get('engine_info')
        if isinstance(info, dict) and type(info.get('engine_id')) is int and info['engine_id'] >= 0 and (
                not isinstance(uuid, str) or info.get('engine_uuid') == uuid):
            return info['engine_id']
    return None


def seconds(a, b):
    return (b - a).total_seconds() if a is not None and b is not None else None


def derive(rec, by_uuid):
    fn = args = kwargs = None
    bufs = rec.get('buffers')
    code = code_of(rec)
    if bufs and code is None:
        f, a, kw = unpack_apply_message(list(bufs), {})
        if getattr(getattr(f, '__code__', None), 'co_filename', '').endswith('ipyparallel/client/remotefunction.py'):
            f, a = a[0], a[1:]
        fn, args, kwargs = f.__name__, a, kw
    status = status_of(rec)
    result = None
    rbufs = rec.get('result_buffers')
    if rbufs and status == 'ok':
        result = deserialize_object(list(rbufs))[0]
    d = dict(rec)
    d.update(function=fn, args=args, kwargs=kwargs, result=result, code=code, status=status,
             engine_id=engine_id_of(rec, by_uuid),
             queue_wait=seconds(rec.get('submitted'), rec.get('started')),
             run_time=seconds(rec.get('started'), rec.get('completed')))
    return d


def qv(v):
    """A value as the query engine compares it: plain values as themselves, containers as lists and dicts, anything else by its repr."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, np.generic) and not isinstance(v, (np.str_, np.bytes_)):
        return v.item()
    if isinstance(v, (list, tuple, set, frozenset, deque)):
        return [qv(x) for x in v]
    if isinstance(v, dict):
        return {(k if isinstance(k, str) else str(k)): qv(x) for k, x in v.items()}
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    return repr(v)


def kind(v):
    if isinstance(v, bool):
        return 'bool'
    if isinstance(v, (int, float)):
        return 'num'
    if isinstance(v, str):
        return 'str'
    if isinstance(v, datetime.datetime):
        return 'date'
    return None


def equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    ka, kb = kind(a), kind(b)
    if ka is None or ka != kb:
        return isinstance(a, bytes) and isinstance(b, bytes) and a == b
    return a == b


def resolve(top, path):
    cur = [] if top is MISSING else [top]
    for seg in path:
        nxt = []
        for v in cur:
            if isinstance(v, dict):
                if seg in v:
                    nxt.append(v[seg])
            elif isinstance(v, list):
                if seg.isdigit():
                    if int(seg) < len(v):
                        nxt.append(v[int(seg)])
                else:
                    nxt.extend(e[seg] for e in v if isinstance(e, dict) and seg in e)
        cur = nxt
    return cur


def candidates(leaves):
    out = []
    for l in leaves:
        out.append(l)
        if isinstance(l, list):
            out.extend(l)
    return out


def equals_any(leaves, value):
    if value is None:
        return not leaves or any(c is None for c in candidates(leaves))
    return any(equal(c, value) for c in candidates(leaves))


def order(c, value, op):
    if kind(c) is None or kind(c) != kind(value):
        return False
    return {'$gt': c > value, '$gte': c >= value, '$lt': c < value, '$lte': c <= value}[op]


def test_cond(op, arg, leaves):
    if op == '$eq':
        return equals_any(leaves, arg)
    if op == '$ne':
        return not equals_any(leaves, arg)
    if op in ('$gt', '$gte', '$lt', '$lte'):
        if arg is None:
            return op in ('$gte', '$lte') and equals_any(leaves, None)
        return any(order(c, arg, op) for c in candidates(leaves))
    if op == '$in':
        return any(equals_any(leaves, v) for v in arg)
    if op == '$nin':
        return not any(equals_any(leaves, v) for v in arg)
    if op == '$exists':
        unset = not leaves or all(l is None for l in leaves)
        return unset != bool(arg)
    if op == '$glob':
        return any(isinstance(c, str) and fnmatch.fnmatchcase(c, arg) for c in candidates(leaves))
    raise ValueError('no such operator in the battery: %s' % op)


def match(q, r):
    for name, arg in q.items():
        if name == '$and':
            ok = all(match(s, r) for s in arg)
        elif name == '$or':
            ok = any(match(s, r) for s in arg)
        elif name == '$nor':
            ok = not any(match(s, r) for s in arg)
        else:
            key, *path = name.split('.')
            leaves = resolve(r.get(key, MISSING), path)
            if isinstance(arg, dict) and arg and all(k.startswith('$') for k in arg):
                ok = all(test_cond(op, a, leaves) for op, a in arg.items())
            else:
                ok = test_cond('$eq', arg, leaves)
        if not ok:
            return False
    return True


if INPUT.get('values'):
    # the classes the fixture's tasks returned, which unpickling needs
    exec(open(INPUT['values']).read())
records = read_records(INPUT['db'], INPUT['table'])
engines = INPUT['engines']
by_uuid = {u: int(i) for i, u in (engines.items() if engines else engine_map_from_records(records).items())}
rows = []
for rec in records:
    d = derive(rec, by_uuid)
    rows.append({k: (qv(v) if k in DERIVED else v) for k, v in d.items() if k not in BUF_KEYS})

# ipyparallel's own DictDB, holding the same records (plenty of room: nothing is culled)
dictdb = DictDB(record_limit=100000, size_limit=1 << 40)
for rec in records:
    dictdb.add_record(rec['msg_id'], dict(rec))

answers = []
dictdb_answers = []
for q, ask_dictdb in zip(INPUT['queries'], INPUT['dictdb']):
    answers.append(sorted(r['msg_id'] for r in rows if match(q, r)))
    if ask_dictdb:
        dictdb_answers.append(sorted(r['msg_id'] for r in dictdb.find_records(q, ['msg_id'])))
    else:
        dictdb_answers.append(None)
emit({'answers': answers, 'dictdb': dictdb_answers, 'count': len(rows)})
