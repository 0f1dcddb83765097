"""What a hostile local user can do to cpd's server socket, for the server suite.

  hostile_client.py stall SOCKET N SECONDS   N connections that send 2 bytes and wait
  hostile_client.py garbage SOCKET BYTES     random bytes; prints the answer's status
  hostile_client.py version SOCKET V         a frame of protocol version V; prints the answer
  hostile_client.py oversize SOCKET          a header announcing 1 GiB; prints the answer
  hostile_client.py listen SOCKET LOG        a fake server: logs how many bytes it got
  hostile_client.py word SOCKET MIB N [WORD...]
                                             N requests at once, each the WORDs then a word
                                             of MIB MiB; prints each answer's status and error
  hostile_client.py park SOCKET N SECONDS BYTES
                                             N connections announcing BYTES of request and
                                             sending none of it; prints how many connected
  hostile_client.py ask SOCKET WORD...       a request of these words; prints the answer
  hostile_client.py flood SOCKET N           N requests, one after another, each closed
                                             before its answer; prints how many were sent
"""

import os
import socket
import struct
import sys
import threading
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def read_answer(s):
    """The answer frame's (version, status, stderr text), or None if it closed."""
    data = b""
    s.settimeout(20)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    if len(data) < 8 or data[:3] != b"cpd":
        return None
    version = data[3]
    payload = data[8:]
    status, err = None, b""
    while len(payload) >= 5:
        tag = payload[0]
        length = struct.unpack(">I", payload[1:5])[0]
        value = payload[5 : 5 + length]
        payload = payload[5 + length :]
        if tag == 16:
            status = struct.unpack(">I", value)[0]
        elif tag == 18:
            err += value
    return version, status, err.decode("utf-8", "replace").strip()


# The protocol version this cpd speaks (cpd::protocol::k_version).
VERSION = 2


def field(tag, value):
    return bytes([tag]) + struct.pack(">I", len(value)) + value


def request(*args):
    """A whole request frame: the words, and a terminal that is none."""
    payload = b"".join(field(1, arg) for arg in args) + field(3, bytes(9))
    return b"cpd" + bytes([VERSION]) + struct.pack(">I", len(payload)) + payload


def word(path, mib, count, before=()):
    frame = request(*(w.encode() for w in before), b"x" * (mib << 20))
    answers = [None] * count

    def one(i):
        try:
            s = connect(path)
            try:
                s.sendall(frame)
            except OSError:
                pass  # refused before it was read: the answer says why
            answers[i] = read_answer(s)
        except OSError as e:
            answers[i] = str(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for answer in answers:
        if isinstance(answer, tuple):
            print(answer[1], len(answer[2]), answer[2][:150], flush=True)
        else:
            print(answer, flush=True)


def main():
    command, path = sys.argv[1], sys.argv[2]
    if command == "stall":
        count, seconds = int(sys.argv[3]), float(sys.argv[4])
        held = []
        for _ in range(count):
            try:
                s = connect(path)
                s.send(b"cp")
                held.append(s)
            except OSError:
                pass
        print(len(held), flush=True)
        time.sleep(seconds)
    elif command == "word":
        word(path, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    elif command == "park":
        count, seconds, size = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
        held = []
        for _ in range(count):
            try:
                s = connect(path)
                s.send(b"cpd" + bytes([VERSION]) + struct.pack(">I", size))
                held.append(s)
            except OSError:
                pass
        print(len(held), flush=True)
        time.sleep(seconds)
    elif command == "ask":
        s = connect(path)
        s.sendall(request(*(arg.encode() for arg in sys.argv[3:])))
        print(read_answer(s))
    elif command == "flood":
        frame = request(b"balance")
        sent = 0
        for _ in range(int(sys.argv[3])):
            try:
                s = connect(path)
                s.sendall(frame)
                s.close()
                sent += 1
            except OSError:
                pass
        print(sent, flush=True)
    elif command == "garbage":
        s = connect(path)
        try:
            s.sendall(b"\x00" + os.urandom(int(sys.argv[3]) - 1))
        except OSError:
            pass  # the server answered and closed before reading it all
        print(read_answer(s))
    elif command == "version":
        payload = field(1, b"balance")
        s = connect(path)
        s.sendall(b"cpd" + bytes([int(sys.argv[3])]) + struct.pack(">I", len(payload)) + payload)
        print(read_answer(s))
    elif command == "oversize":
        s = connect(path)
        s.sendall(b"cpd" + bytes([VERSION]) + struct.pack(">I", 1 << 30) + b"\x01")
        print(read_answer(s))
    elif command == "listen":
        log = sys.argv[3]
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        os.chmod(path, 0o666)
        server.listen(8)
        server.settimeout(30)
        total = 0
        with open(log, "w") as out:
            out.write("0\n")
        try:
            while True:
                conn, _ = server.accept()
                conn.settimeout(2)
                try:
                    while True:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        total += len(chunk)
                except socket.timeout:
                    pass
                conn.close()
                with open(log, "w") as out:
                    out.write("%d\n" % total)
        except socket.timeout:
            pass
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
