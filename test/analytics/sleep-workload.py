"""Tasks of different lengths for a running controller, for task statistics.

Usage: python3 sleep-workload.py PROFILE_DIR ENGINES
Load-balanced sleeps of 20 ms to 600 ms, two failures, then more long sleeps
than engines, left pending (some running, some still queued). Prints the
msg_ids of the pending tasks as JSON.
"""
import json
import sys
import time

import ipyparallel as ipp

profile_dir, engines = sys.argv[1], int(sys.argv[2])
rc = ipp.Client(profile_dir=profile_dir)
rc.wait_for_engines(engines, timeout=60)
lview = rc.load_balanced_view()


def nap(seconds):
    import time
    time.sleep(seconds)
    return seconds


def fail(seconds):
    import time
    time.sleep(seconds)
    raise RuntimeError('failed after %s s' % seconds)


lview.map_async(nap, [0.02, 0.3, 0.1, 0.6, 0.05, 0.2, 0.4, 0.02, 0.15, 0.25, 0.08, 0.5]).get(timeout=60)
for ar in [lview.apply_async(fail, 0.1), lview.apply_async(fail, 0.05)]:
    try:
        ar.get(timeout=60)
    except Exception:
        pass
pending = lview.map_async(nap, [120] * (engines + 2))
time.sleep(1)
rc.spin()
print(json.dumps(pending.msg_ids))
rc.close()
