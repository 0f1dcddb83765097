#!/usr/bin/python3
"""A small SMTP server for cpd's tests, with failure injection.

Each accepted message is stored byte for byte (as received after
dot-unstuffing) in a Maildir, preceded by X-Peer, X-Helo, X-MailFrom and
X-RcptTo headers giving the connection, the EHLO name and the envelope. Prints "ready PORT" on
stdout once it listens; --port 0 picks a free port.

  smtp_server.py --port 0 --maildir DIR [--fail-first N --code 451]
                 [--reject-rcpt SUBSTRING] [--max-size BYTES] [--auth USER:PASSWORD]
                 [--require-auth] [--tls-cert CERT --tls-key KEY]
"""

import argparse
import asyncio
import os
import socket
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.maildir = args.maildir
        self.failures_left = args.fail_first
        self.code = args.code
        self.reject_rcpt = args.reject_rcpt
        self.max_size = args.max_size
        self.count = 0
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(self.maildir, sub), exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt and self.reject_rcpt in address:
            return "550 5.1.1 <%s>: recipient rejected" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.max_size and len(envelope.original_content) > self.max_size:
            return "552 5.3.4 Message size exceeds fixed limit"
        if self.failures_left > 0:
            self.failures_left -= 1
            if self.code < 500:
                return "%d 4.3.0 try again later" % self.code
            return "%d 5.7.1 message refused" % self.code
        self.count += 1
        name = "%d.%d.%d.test" % (time.time_ns(), os.getpid(), self.count)
        head = "X-Peer: %s\r\nX-Helo: %s\r\nX-MailFrom: %s\r\nX-RcptTo: %s\r\n" % (
            session.peer, session.host_name, envelope.mail_from, ", ".join(envelope.rcpt_tos))
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as out:
            out.write(head.encode())
            out.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        return "250 OK"


def authenticator_for(credentials):
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False: aiosmtpd itself then answers a failure with 535.
        return AuthResult(success=ok, handled=False)

    return authenticate


async def serve(args):
    handler = Handler(args)
    options = {"hostname": "localhost", "decode_data": False}
    if args.auth:
        options.update(authenticator=authenticator_for(args.auth),
                       auth_require_tls=False,
                       auth_required=args.require_auth)
    elif args.require_auth:
        options.update(auth_required=True, auth_require_tls=False)
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        options["tls_context"] = context

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **options), sock=listener)
    print("ready %d" % listener.getsockname()[1], flush=True)
    await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer the first N messages with --code")
    parser.add_argument("--code", type=int, default=451)
    parser.add_argument("--reject-rcpt", metavar="SUBSTRING",
                        help="refuse recipients containing SUBSTRING with 550")
    parser.add_argument("--max-size", type=int, default=0, metavar="BYTES",
                        help="refuse messages longer than BYTES with 552 5.3.4")
    parser.add_argument("--auth", metavar="USER:PASSWORD",
                        help="offer AUTH (without TLS) and accept these credentials")
    parser.add_argument("--require-auth", action="store_true",
                        help="refuse mail before a login (530)")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
