"""Writes a tasks.db of N apply tasks whose payloads ipyparallel's own serializer made.

Usage: /usr/bin/python3 bench/make-payload-store.py OUT N

Rows are written through ipyparallel 7.1's SQLiteDB.add_record, so every
column is in the form `ipcontroller --sqlitedb` gives it; the request and
reply frames come from ipyparallel.serialize (pack_apply_message for the
call, serialize_object for the result), as a client and an engine make
them. The workload is a small cluster kept busy: 16 engines, 8 clients, a
task submitted every 25 ms, five functions (one of them failing now and
then), the last tasks still pending.
"""
import os
import random
import sys
from datetime import datetime, timedelta, timezone

from ipyparallel.controller.sqlitedb import SQLiteDB
from ipyparallel.serialize import pack_apply_message, serialize_object
from ipyparallel.util import utcnow  # noqa: F401  (the hub's clock helper; imported as the hub does)

SQLiteDB._check_table = lambda self: True  # 7.1 rejects its own table under SQLite >= 3.37
out, count = sys.argv[1], int(sys.argv[2])


def summarize(values, scale=1):
    return sum(values) * scale


def square(x):
    return x * x


def normalize(row, total=1.0):
    return [v / total for v in row]


def tokenize(text):
    return text.split()


def check(x):
    if x % 7 == 0:
        raise ValueError('bad value %r' % (x,))
    return x


rng = random.Random(23)
hexs = lambda n: ''.join(rng.choice('0123456789abcdef') for _ in range(n))
clients = ['%s-%s' % (hexs(8), hexs(24)) for _ in range(8)]
engines = ['%s-%s' % (hexs(8), hexs(24)) for _ in range(16)]
start = datetime(2026, 11, 1, tzinfo=timezone.utc)
step = 0.025
words = ['alpha', 'beta', 'gamma', 'delta', 'épsilon', '完了']


def iso(d):
    return d.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
tmp = out + '.part'
if os.path.exists(tmp):
    os.remove(tmp)
db = SQLiteDB(location=os.path.dirname(os.path.abspath(tmp)), filename=os.path.basename(tmp), table='ipython-tasks')
db._db.execute('PRAGMA synchronous = OFF')
counters = {e: 0 for e in engines}
pending_from = count - max(1, count // 1000)
for i in range(count):
    client = clients[i % len(clients)]
    engine = engines[rng.randrange(len(engines))]
    msg_id = '%s_%d_%d' % (client, 1000 + i % len(clients), i)
    kind = rng.random()
    if kind < 0.45:
        n = rng.randrange(1, 12)
        f, args, kwargs = summarize, ([rng.randrange(0, 10000) for _ in range(n)],), {'scale': rng.randrange(1, 4)}
    elif kind < 0.7:
        f, args, kwargs = square, (rng.randrange(0, 400),), {}
    elif kind < 0.85:
        f, args, kwargs = normalize, ([rng.random() for _ in range(4)],), {'total': 2.0}
    elif kind < 0.95:
        f, args, kwargs = tokenize, (' '.join(rng.choice(words) for _ in range(rng.randrange(1, 6))),), {}
    else:
        f, args, kwargs = check, (rng.randrange(0, 1000),), {}
    submitted = start + timedelta(seconds=i * step + rng.random() * step)
    md = {'after': [], 'follow': [], 'timeout': 0.0, 'targets': [], 'retries': 0}
    header = {'msg_id': msg_id, 'msg_type': 'apply_request', 'username': 'username', 'session': client, 'date': iso(submitted), 'version': '5.3'}
    rec = {
        'msg_id': msg_id, 'header': header, 'metadata': md, 'content': {},
        'buffers': pack_apply_message(f, args, kwargs),
        'submitted': submitted, 'client_uuid': client, 'queue': 'task',
    }
    if i < pending_from:
        started = submitted + timedelta(seconds=rng.random() * 2)
        completed = started + timedelta(seconds=rng.expovariate(4.0))
        counters[engine] += 1
        reply_id = '%s_%d_%d' % (engine, 2000 + engines.index(engine), counters[engine])
        rmd = {'started': iso(started), 'dependencies_met': True, 'engine': engine, 'is_broadcast': False, 'is_coalescing': False, 'original_msg_id': ''}
        try:
            value = f(*args, **kwargs)
            content = {'status': 'ok'}
            rmd['status'] = 'ok'
            rbufs = serialize_object(value)
            error = None
        except Exception as e:
            tb = ['Traceback (most recent call last)', '  File "<string>", line 1', 'ValueError: %s' % e]
            error = {'traceback': tb, 'ename': type(e).__name__, 'evalue': str(e), 'engine_info': {'engine_uuid': engine, 'engine_id': -1, 'method': 'apply'}}
            content = dict(error, status='error')
            rmd['status'] = 'error'
            rmd['engine_info'] = {'engine_uuid': engine, 'engine_id': engines.index(engine)}
            rbufs = []
        rec.update({
            'engine_uuid': engine, 'started': started, 'completed': completed,
            'received': completed + timedelta(milliseconds=2),
            'result_header': {'msg_id': reply_id, 'msg_type': 'apply_reply', 'username': 'username', 'session': engine, 'date': iso(completed), 'version': '5.3'},
            'result_metadata': rmd, 'result_content': content, 'result_buffers': rbufs, 'error': error,
            'stdout': '', 'stderr': '',
        })
    db.add_record(msg_id, rec)
    if i % 10000 == 9999:
        db._db.commit()
db._db.commit()
db._db.close()
os.rename(tmp, out)
# the engine map a controller would write: id -> uuid
with open(out + '.engines.json', 'w') as fh:
    import json
    json.dump({str(i): u for i, u in enumerate(engines)}, fh)
