"""Writes a tasks.db as a busy ipcontroller --sqlitedb does, at a given number of completions a second.

Usage: /usr/bin/python3 bench/top-writer.py DB RATE SECONDS [QUEUE] [ENGINES] [COMMIT_MS] [PREFILL]

Every write goes through ipyparallel 7.1's own SQLiteDB (add_record,
update_record), in the order the hub makes them for load-balanced tasks: a
request is added unassigned (engine_uuid None); when an engine frees up the
next one is given to it (update engine_uuid); when it finishes its result
is saved (update result_header, result_metadata, result_content,
result_buffers, started, completed, received, engine_uuid; for a failure
also error, as the hub's IOPub handler does). The queue is kept at QUEUE
waiting tasks and ENGINES running ones: every completion starts the next
task and submits a new one. Like SQLiteDB's own periodic callback, the
transaction is committed every COMMIT_MS (2000, the hub's period).
PREFILL finished tasks are written first, as an older cluster holds them.

The payloads are what a client and an engine make (pack_apply_message,
serialize_object), made once and reused: the writer spends its time on the
database, as the hub does.

Lines on stdout, JSON: {"ready": ...} once the queue is committed; then it
waits for a line on stdin before it starts; {"commit": t, "finished": n}
after each commit; at the end {"end": ...} with the rate reached and the
counts SQLiteDB.find_records gives for the whole table (Python's db_query
on a hub calls the same method).
"""
import json
import warnings
import os
import sys
import time
from collections import deque
from datetime import datetime, timedelta, timezone

from ipyparallel.controller.sqlitedb import SQLiteDB
from ipyparallel.serialize import pack_apply_message, serialize_object

warnings.filterwarnings("ignore", message="date_default is deprecated")

# 7.1 rejects its own table under SQLite >= 3.37 (declared types read back in
# upper case) and would move to a new table: the writer shares the hub's table.
SQLiteDB._check_table = lambda self: True

path = os.path.abspath(sys.argv[1])
rate = float(sys.argv[2])
seconds = float(sys.argv[3])
queue_depth = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
n_engines = int(sys.argv[5]) if len(sys.argv) > 5 else 16
commit_s = (int(sys.argv[6]) if len(sys.argv) > 6 else 2000) / 1000
prefill = int(sys.argv[7]) if len(sys.argv) > 7 else 0


def emit(**kw):
    sys.stdout.write(json.dumps(kw) + '\n')
    sys.stdout.flush()


def work(x, scale=1):
    return x * scale


def iso(d):
    return d.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def utcnow():
    return datetime.now(timezone.utc)


session = '6f1d2c3b-9a8e7f6d5c4b3a2918070605'
pid = 4242
engines = ['%08x-%024x' % (0x1000 + i, 0xabc000 + i) for i in range(n_engines)]
replies = {e: 0 for e in engines}
request_buffers = pack_apply_message(work, (12,), {'scale': 3})
result_buffers = serialize_object(36)

db = SQLiteDB(location=os.path.dirname(path), filename=os.path.basename(path), table='ipython-tasks')
db._commit_callback.stop()  # committed below, on the same period

counter = 0
finished = 0
failed = 0


def submit(now):
    global counter
    counter += 1
    msg_id = '%s_%d_%d' % (session, pid, counter)
    header = {'msg_id': msg_id, 'msg_type': 'apply_request', 'username': 'bench', 'session': session, 'date': now, 'version': '5.3'}
    md = {'after': [], 'follow': [], 'timeout': None, 'targets': [], 'retries': 0}
    db.add_record(msg_id, {
        'msg_id': msg_id, 'header': header, 'metadata': md, 'content': {}, 'buffers': request_buffers,
        'submitted': now, 'client_uuid': session, 'queue': 'task', 'stdout': '', 'stderr': '',
    })
    return msg_id


def result(msg_id, engine, started, now):
    """The hub's save_task_result (and, for a failure, the error its IOPub handler keeps)."""
    global finished, failed
    replies[engine] += 1
    ok = counter % 20 != 7
    rmd = {'started': iso(started), 'dependencies_met': True, 'engine': engine, 'status': 'ok' if ok else 'error',
           'is_broadcast': False, 'is_coalescing': False, 'original_msg_id': ''}
    header = {'msg_id': '%s_%d_%d' % (engine, 9000 + engines.index(engine), replies[engine]), 'msg_type': 'apply_reply',
              'username': 'bench', 'session': engine, 'date': now, 'version': '5.3'}
    rec = {'result_header': header, 'result_metadata': rmd, 'started': started, 'completed': now,
           'received': now + timedelta(microseconds=300), 'engine_uuid': engine}
    if ok:
        rec.update(result_content={'status': 'ok'}, result_buffers=result_buffers)
    else:
        err = {'ename': 'ValueError', 'evalue': 'bad value %d' % counter,
               'traceback': ['Traceback (most recent call last)', '  File "<string>", line 1', 'ValueError: bad value'],
               'engine_info': {'engine_uuid': engine, 'engine_id': -1, 'method': 'apply'}}
        rmd['engine_info'] = {'engine_uuid': engine, 'engine_id': engines.index(engine)}
        rec.update(result_content=dict(err, status='error'), result_buffers=[])
        db.update_record(msg_id, {'error': err})
        failed += 1
    db.update_record(msg_id, rec)
    finished += 1


# an older cluster's finished tasks, a millisecond apart, ending a minute ago
t_pre = utcnow() - timedelta(seconds=60 + prefill / 1000)
for i in range(prefill):
    t = t_pre + timedelta(milliseconds=i)
    mid = submit(t)
    result(mid, engines[i % n_engines], t, t + timedelta(milliseconds=1))
    if i % 20000 == 19999:
        db._db.commit()

now = utcnow()
waiting = deque(submit(now) for _ in range(queue_depth))
running = deque()
for e in engines:
    mid = waiting.popleft()
    db.update_record(mid, {'engine_uuid': e})
    running.append((mid, e, now))
    waiting.append(submit(now))
db._db.commit()
emit(ready=True, queue=len(waiting), running=len(running), prefill=prefill)
sys.stdin.readline()

t0 = time.time()
last_commit = t0
done_here = 0
while True:
    t = time.time()
    elapsed = t - t0
    if elapsed >= seconds:
        break
    due = int(rate * elapsed) - done_here
    if due > 0:
        now = utcnow()
        for _ in range(due):
            # the engine that has run longest finishes, and takes the next waiting task
            mid, engine, started = running.popleft()
            result(mid, engine, started, now)
            nxt = waiting.popleft()
            db.update_record(nxt, {'engine_uuid': engine})
            running.append((nxt, engine, now))
            waiting.append(submit(now))
        done_here += due
    if t - last_commit >= commit_s:
        db._db.commit()
        last_commit = t
        emit(commit=time.time(), finished=finished)
    time.sleep(0.002)
db._db.commit()
end = time.time()
emit(commit=end, finished=finished)

recs = db.find_records({'msg_id': {'$ne': None}}, keys=['msg_id', 'completed', 'result_content'])
emit(end={
    'seconds': end - t0, 'completions': done_here, 'rate': done_here / (end - t0),
    'records': len(recs),
    'incomplete': sum(1 for r in recs if r['completed'] is None),
    'ok': sum(1 for r in recs if r['completed'] is not None and (r['result_content'] or {}).get('status') == 'ok'),
    'failed': sum(1 for r in recs if r['completed'] is not None and (r['result_content'] or {}).get('status') != 'ok'),
})
db._db.close()
