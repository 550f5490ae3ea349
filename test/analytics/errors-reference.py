"""Failure signatures computed from ipyparallel's own SQLiteDB, to check ipc's %errors.

Usage: python3 errors-reference.py TASKS_DB TABLE
Reads every record with SQLiteDB.find_records, in submission order, takes each
failure's ename and evalue (the error column, else an error reply's content),
writes numbers, ids, paths and quoted values of the message as placeholders,
and prints, as JSON, the selection's size and per signature: count, the sample
(first failure), the cause and the msg_ids the dependency failures waited for.
Also prints the records whose ename is ValueError and those whose evalue
mentions 'range', for the derived keys' queries.
"""
import json
import os
import re
import sys
import warnings

warnings.simplefilter('ignore')
from ipyparallel.controller.sqlitedb import SQLiteDB  # noqa: E402

SQLiteDB._check_table = lambda self: True
path, table = sys.argv[1], sys.argv[2]
db = SQLiteDB(location=os.path.dirname(os.path.abspath(path)), filename=os.path.basename(path), table=table)
records = db.find_records({'msg_id': {'$ne': ''}})
records.sort(key=lambda r: (r['submitted'].timestamp() if r.get('submitted') else float('-inf'), r['msg_id']))

ID = r'[0-9a-f]{8}-(?:[0-9a-f]{24}|[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:_\d+_\d+)?'


def placeholder(m):
    if m.group('quoted') is not None:
        inner = re.sub(r'''^b?(['"])(.*)\1$''', r'\2', m.group(0), flags=re.S)
        return '<id>' if re.fullmatch(ID, inner) else '<str>'
    if m.group('id') is not None:
        return '<id>'
    if m.group('path') is not None:
        return '<path>'
    if m.group('hex') is not None:
        return '<hex>'
    return '<n>'


TOKENS = re.compile('|'.join([
    r'''(?P<quoted>b?'(?:[^'\\\n]|\\.)*'|b?"(?:[^"\\\n]|\\.)*")''',
    r'(?P<id>' + ID + ')',
    r'(?P<path>(?<![\w/.])(?:~|\.{1,2})?(?:/[\w.@+~-]+)+/?)',
    r'(?P<hex>\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b)',
    r'(?P<num>(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w))',
]))


def failure(r):
    err = r.get('error')
    if isinstance(err, dict) and ('ename' in err or 'traceback' in err):
        return err
    rc = r.get('result_content')
    if isinstance(rc, dict) and rc.get('status') == 'error':
        return rc
    return None


DEPENDENCY = {'UnmetDependency', 'ImpossibleDependency', 'DependencyTimeout', 'InvalidDependency'}
groups = {}
for r in records:
    f = failure(r)
    if f is None:
        continue
    ename, evalue = f.get('ename'), f.get('evalue') or ''
    key = json.dumps([ename, TOKENS.sub(placeholder, evalue)], separators=(',', ':'))
    g = groups.setdefault(key, {'count': 0, 'sample': r['msg_id'], 'cause': None, 'waited_for': []})
    g['count'] += 1
    if ename == 'EngineError' and ' died ' in evalue:
        g['cause'] = 'engine died'
    elif ename in DEPENDENCY:
        g['cause'] = 'dependency'
        after = (r.get('metadata') or {}).get('after') or []
        g['waited_for'] += after['dependencies'] if isinstance(after, dict) else after
print(json.dumps(separators=(',', ':'), obj={
    'selected': len(records),
    'signatures': groups,
    'ValueError': [r['msg_id'] for r in records if (failure(r) or {}).get('ename') == 'ValueError'],
    'range': [r['msg_id'] for r in records if 'range' in ((failure(r) or {}).get('evalue') or '')],
}))
