"""Failures of several kinds for a running controller, for failure signatures.

Usage: python3 errors-workload.py PROFILE_DIR ENGINES
ValueErrors whose messages vary in numbers, hex and paths; KeyErrors of
different keys; a task whose dependency failed (ImpossibleDependency); a task
that kills its engine (EngineError ... died). Prints, as JSON, the failed
dependency's msg_id, the dependent task's, the killer's and the dead engine's id.
"""
import json
import sys
import time

import ipyparallel as ipp

profile_dir, engines = sys.argv[1], int(sys.argv[2])
rc = ipp.Client(profile_dir=profile_dir)
rc.wait_for_engines(engines, timeout=60)
lview = rc.load_balanced_view()


def check(i):
    if i % 3 == 0:
        raise ValueError('value %d out of range at 0x%x in /data/run-%d/part.csv' % (i, 4096 * i + 11, i))
    return i


def lookup(key):
    return {}[key]


def die():
    import os
    os._exit(1)


ars = [lview.apply_async(check, i) for i in range(12)]
ars += [lview.apply_async(lookup, k) for k in ('alpha', 'beta')]
bad = lview.apply_async(check, 30)
try:
    bad.get(30)
except Exception:
    pass
with lview.temp_flags(after=bad):
    dep = lview.apply_async(check, 1)
for a in ars + [dep]:
    try:
        a.get(30)
    except Exception:
        pass
before = set(rc.ids)
killer = lview.apply_async(die)
try:
    killer.get(60)
except Exception:
    pass
deadline = time.time() + 30
while set(rc.ids) == before and time.time() < deadline:
    time.sleep(0.1)
# the controller commits every 2 seconds
time.sleep(2.5)
print(json.dumps({'bad': bad.msg_ids[0], 'dep': dep.msg_ids[0], 'killer': killer.msg_ids[0], 'dead': sorted(before - set(rc.ids))}))
