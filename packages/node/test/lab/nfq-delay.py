#!/usr/bin/env python3
"""nfq-delay.py: holds queued packets for a fixed time, then lets them through.

Why: this kernel has no sch_netem, so tc cannot add latency. Instead lab.sh sends the TCP
packets for a delayed server address to an NFQUEUE (iptables/ip6tables in the server
namespace) and this program, speaking nfnetlink_queue over a raw netlink socket with only the
standard library, accepts each packet DELAY ms after it was queued. Packets of one queue
leave in arrival order. As the client's SYN waits DELAY ms, TCP connect time grows by DELAY ms
(plus 3-5 ms of user-space overhead); every later packet to that address waits too, so each
round trip to it grows by the same amount.

Usage:
  nfq-delay.py QUEUE:DELAY_MS [QUEUE:DELAY_MS ...]   bind the queues, print "ready", run until
                                                     SIGTERM/SIGINT
  nfq-delay.py --probe QUEUE                         bind one queue and exit 0 (lab.sh check)
"""

import errno
import heapq
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5

NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3

NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2

NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3

NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1

NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid (host byte order)
NLATTR = struct.Struct("=HH")  # len, type (host byte order)


def align4(n):
    return (n + 3) & ~3


def attr(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    data = NLATTR.pack(NLATTR.size + len(payload), kind) + payload
    return data + b"\0" * (align4(len(data)) - len(data))


class Queue:
    """A netlink socket bound to one or more NFQUEUE numbers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.bind((0, 0))
        try:
            # Root may exceed rmem_max; a big buffer keeps bursts from being dropped.
            self.sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
        self.seq = 0

    def send(self, msg_type, flags, queue_num, payload):
        self.seq += 1
        nfgen = struct.pack("!BBH", socket.AF_UNSPEC, 0, queue_num)  # family, version, res_id
        body = nfgen + payload
        header = NLMSGHDR.pack(NLMSGHDR.size + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, self.seq, 0)
        self.sock.send(header + body)
        return self.seq

    def bind(self, queue_num):
        """Binds a queue number, copying only packet metadata, and waits for the ack."""
        payload = (
            attr(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, 0))
            + attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))
            + attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 8192))
        )
        seq = self.send(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, queue_num, payload)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.sock], [], [], 0.5)
            if not ready:
                continue
            for msg_type, msg_seq, body in self.messages(self.sock.recv(65536)):
                if msg_type == NLMSG_ERROR and msg_seq == seq:
                    (code,) = struct.unpack_from("=i", body, 0)
                    if code != 0:
                        raise OSError(-code, "binding NFQUEUE %d: %s" % (queue_num, os.strerror(-code)))
                    return
        raise OSError(errno.ETIMEDOUT, "no answer from the kernel binding NFQUEUE %d" % queue_num)

    def accept(self, queue_num, packet_id):
        self.send(NFQNL_MSG_VERDICT, NLM_F_REQUEST, queue_num, attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id)))

    @staticmethod
    def messages(data):
        """Yields (type, seq, body) for each netlink message in a datagram."""
        offset = 0
        while offset + NLMSGHDR.size <= len(data):
            length, msg_type, _flags, seq, _pid = NLMSGHDR.unpack_from(data, offset)
            if length < NLMSGHDR.size:
                return
            yield msg_type, seq, data[offset + NLMSGHDR.size : offset + length]
            offset += align4(length)

    @staticmethod
    def packet(body):
        """(queue number, packet id) of an NFQNL_MSG_PACKET body, or None."""
        (queue_num,) = struct.unpack_from("!H", body, 2)
        offset = 4
        while offset + NLATTR.size <= len(body):
            length, kind = NLATTR.unpack_from(body, offset)
            if length < NLATTR.size:
                return None
            if (kind & 0x3FFF) == NFQA_PACKET_HDR:
                (packet_id,) = struct.unpack_from("!I", body, offset + NLATTR.size)
                return queue_num, packet_id
            offset += align4(length)
        return None


def run(delays):
    queue = Queue()
    for queue_num in delays:
        queue.bind(queue_num)
    sys.stdout.write("ready\n")
    sys.stdout.flush()

    held = []  # heap of (due time, arrival order, queue number, packet id)
    order = 0
    packet_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET
    queue.sock.setblocking(False)
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        select.select([queue.sock], [], [], timeout)
        while True:
            try:
                data = queue.sock.recv(65536)
            except BlockingIOError:
                break
            now = time.monotonic()
            for msg_type, _seq, body in queue.messages(data):
                if msg_type != packet_type:
                    continue
                found = queue.packet(body)
                if found is None:
                    continue
                queue_num, packet_id = found
                order += 1
                heapq.heappush(held, (now + delays.get(queue_num, 0) / 1000.0, order, queue_num, packet_id))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _due, _order, queue_num, packet_id = heapq.heappop(held)
            queue.accept(queue_num, packet_id)


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    if len(argv) == 2 and argv[0] == "--probe":
        Queue().bind(int(argv[1]))
        return 0
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    delays = {}
    for spec in argv:
        queue_text, _, delay_text = spec.partition(":")
        if not (queue_text.isdigit() and delay_text.isdigit()):
            sys.stderr.write("bad QUEUE:DELAY_MS %r\n" % spec)
            return 2
        delays[int(queue_text)] = int(delay_text)
    run(delays)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as error:
        sys.stderr.write("nfq-delay: %s\n" % error)
        sys.exit(1)
