"""Task statistics computed from ipyparallel's own SQLiteDB, to check ipc's %stats.

Usage: python3 stats-reference.py TASKS_DB TABLE BY
Reads every record with SQLiteDB.find_records and prints, as JSON, per group
(engine_id, status, queue, function or label) and in total: counts, busy time, utilisation,
throughput and the run-time / queue-wait spread (numpy percentiles).
"""
import json
import os
import sys
import warnings

import numpy

warnings.simplefilter('ignore')
from ipyparallel.controller.sqlitedb import SQLiteDB  # noqa: E402

SQLiteDB._check_table = lambda self: True
path, table, by = sys.argv[1], sys.argv[2], sys.argv[3]
db = SQLiteDB(location=os.path.dirname(os.path.abspath(path)), filename=os.path.basename(path), table=table)
if by == 'label':
    # 7.1's SQLiteDB knows the 22 keys before label (9.1); it reads the column when told its name
    db._keys = list(db._keys) + ['label']
# find_records({}) makes invalid SQL in 7.1; every record has a msg_id.
records = db.find_records({'msg_id': {'$ne': ''}})


def status(r):
    for holder in ('result_content', 'result_header', 'result_metadata'):
        d = r.get(holder)
        if isinstance(d, dict) and d.get('status') in ('ok', 'error', 'aborted'):
            return d['status']
    if isinstance(r.get('error'), dict):
        return 'error'
    return 'ok' if r.get('completed') else 'pending'


ids = {}
for r in records:
    info = (r.get('result_metadata') or {}).get('engine_info') or {}
    if r.get('engine_uuid') and info.get('engine_id', -1) >= 0:
        ids[r['engine_uuid']] = info['engine_id']


def function(r):
    header = r.get('header') or {}
    if header.get('msg_type') != 'apply_request' or not r.get('buffers'):
        return None
    # unpack_apply_message's first step: the arguments may be instances of
    # classes that exist only in the client, so they are not unpickled here.
    from ipyparallel.serialize import deserialize_object
    return deserialize_object(r['buffers'], {})[0].__name__


def key(r):
    if by == 'function':
        return function(r)
    if by == 'status':
        return status(r)
    if by == 'queue':
        return r.get('queue')
    if by == 'label':
        return r.get('label')
    u = r.get('engine_uuid')
    return ids.get(u, u) if u else None


def seconds(a, b):
    return (b - a).total_seconds() if a and b else None


timed = [r for r in records if r.get('started') and r.get('completed')]
span = None
if timed:
    span = (max(r['completed'] for r in timed) - min(r['started'] for r in timed)).total_seconds()
engines = {ids.get(r['engine_uuid'], r['engine_uuid']) for r in timed if r.get('engine_uuid')}


def spread(xs):
    if not xs:
        return [None] * 4
    return [min(xs), float(numpy.median(xs)), float(numpy.percentile(xs, 95)), max(xs)]


def summary(rs, capacity_engines):
    runs = [seconds(r['started'], r['completed']) for r in rs if seconds(r.get('started'), r.get('completed')) is not None]
    waits = [seconds(r['submitted'], r['started']) for r in rs if seconds(r.get('submitted'), r.get('started')) is not None]
    statuses = [status(r) for r in rs]
    busy = sum(runs)
    out = {
        'count': len(rs),
        'ok': statuses.count('ok'),
        'error': statuses.count('error'),
        'pending': statuses.count('pending'),
        'timed': len(runs),
        'untimed': len(rs) - len(runs),
        'busy': busy,
        'utilisation': busy / (span * capacity_engines) if span else None,
        'throughput': len(runs) / span if span else None,
    }
    for name, xs in (('run_time', runs), ('queue_wait', waits)):
        for q, v in zip(('min', 'median', 'p95', 'max'), spread(xs)):
            out[f'{name}_{q}'] = v
    return out


groups = {}
for r in records:
    groups.setdefault(key(r), []).append(r)
print(json.dumps({
    'groups': {json.dumps(k): summary(v, 1) for k, v in groups.items()},
    'total': summary(records, max(1, len(engines))),
    'span': span,
}))
