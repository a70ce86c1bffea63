#!/usr/bin/env python3
"""Where each dispatch of the telemetry benchmark spends its time, from a packet capture of its dispatch phase.

Capture the loopback while the dispatch phase runs (after the "CPU during ingest" line), then read it:

    tcpdump -i lo -s 2048 -w /tmp/dispatch.pcap 'tcp and (len > 66)'     # stop it when the benchmark ends
    benchmarks/dispatch-legs.py /tmp/dispatch.pcap

Needs tshark (Debian package tshark). The benchmark's dispatch robots are named bench-d-<run>-<n>; their MQTT
traffic and the platform's PostgreSQL statements carry the robot id in clear, so each cycle is followed packet by
packet (the bridge talks to the server in-process, so that leg is inside "bridge -> PostgreSQL"):

    broker_in     robot's IDLE publish -> the broker passes it to the bridge
    bridge_to_pg  -> the ingest transaction's first statement naming the robot reaches PostgreSQL
    tx            -> PostgreSQL answers that transaction's COMMIT
    to_cmd_pub    -> the bridge publishes the robot's GO_TO_SPOT
    broker_out    -> the broker passes it to the robot

It prints p50/p90/p99/max per leg over all cycles, then over the cycles after the phase's first 0.5, 1 and 2 s
(the first ones run on code the JIT has not compiled and on connections that have not prepared the statements),
and the slowest cycles with their legs.
"""
import bisect
import collections
import re
import subprocess
import sys

LEGS = ['broker_in', 'bridge_to_pg', 'tx', 'to_cmd_pub', 'broker_out', 'total']
PG = 5432


def packets(pcap):
    out = subprocess.run(['tshark', '-r', pcap, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'tcp.srcport',
                          '-e', 'tcp.dstport', '-e', 'tcp.payload', 'tcp.len>0'],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        p = line.split('\t')
        if len(p) == 4 and p[3]:
            rows.append((float(p[0]), int(p[1]), int(p[2]), bytes.fromhex(p[3].replace(':', ''))))
    return rows


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main(pcap):
    rows = packets(pcap)
    # The broker -> bridge leg carries the full topic of every IDLE report; robots and the bridge use topic aliases.
    pairs = collections.Counter((s, d) for _, s, d, b in rows
                                if b'bench-d-' in b and b'/telemetry' in b and b'ROBOT_STATE_IDLE' in b)
    if not pairs:
        sys.exit('no dispatch robot traffic in ' + pcap)
    broker, bridge = pairs.most_common(1)[0][0]
    robot_port = {}
    for _, s, d, b in rows:
        m = re.search(rb'(bench-d-\w+-\d+)/telemetry', b)
        if d == broker and s != bridge and m:
            robot_port.setdefault(m.group(1), s)
    port_robot = {v: k for k, v in robot_port.items()}

    def following(i, pred, limit=2.0):
        t0 = rows[i][0]
        for j in range(i + 1, len(rows)):
            if rows[j][0] - t0 > limit:
                return None
            if pred(rows[j]):
                return j
        return None

    cycles = []
    for i, (t, s, d, b) in enumerate(rows):
        if d != broker or s not in port_robot or b'ROBOT_STATE_IDLE' not in b:
            continue
        key = port_robot[s]
        seq = re.search(rb'"sequence":"\d+"', b).group(0)
        topic = key + b'/telemetry'
        quoted = b'"' + key + b'"'
        j1 = following(i, lambda r: r[1] == broker and r[2] == bridge and topic in r[3] and seq in r[3])
        j2 = j1 and following(j1, lambda r: r[2] == PG and quoted in r[3])
        j3 = j1 and following(j1, lambda r: r[1] == bridge and r[2] == broker and b'"robotId":' + quoted in r[3])
        jc = j2 and following(j2, lambda r: r[1] == PG and r[2] == rows[j2][1] and b'COMMIT' in r[3])
        j4 = j3 and following(j3, lambda r: r[1] == broker and r[2] == robot_port[key] and b'GO_TO_SPOT' in r[3])
        if None in (j1, j2, j3, jc, j4):
            continue
        cycles.append(dict(t0=t, key=key.decode(), broker_in=rows[j1][0] - t, bridge_to_pg=rows[j2][0] - rows[j1][0],
                           tx=rows[jc][0] - rows[j2][0], to_cmd_pub=rows[j3][0] - rows[jc][0],
                           broker_out=rows[j4][0] - rows[j3][0], total=rows[j4][0] - t))
    if not cycles:
        sys.exit('no complete dispatch cycle found')
    first = min(c['t0'] for c in cycles)
    for skip in (0, 0.5, 1.0, 2.0):
        some = [c for c in cycles if c['t0'] - first >= skip]
        print('cycles from %.1f s on: %d' % (skip, len(some)))
        for leg in LEGS:
            v = [c[leg] * 1000 for c in some]
            print('  %-12s p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms'
                  % (leg, pct(v, .5), pct(v, .9), pct(v, .99), max(v)))
    print('slowest:')
    for c in sorted(cycles, key=lambda c: -c['total'])[:10]:
        print('  at %5.2f s %-22s ' % (c['t0'] - first, c['key'])
              + ' '.join('%s %.1f' % (leg, c[leg] * 1000) for leg in LEGS))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
