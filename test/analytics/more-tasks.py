"""Submits N short tasks to a running controller and leaves without waiting:
python3 more-tasks.py PROFILE_DIR N"""
import sys
import time

import ipyparallel as ipp

rc = ipp.Client(profile_dir=sys.argv[1])
rc.load_balanced_view().map_async(abs, range(int(sys.argv[2])))
time.sleep(1)
rc.spin()
rc.close()
