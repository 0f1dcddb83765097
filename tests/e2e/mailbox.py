#!/usr/bin/python3
"""Reads the mail cpd delivered to a Maildir, for the end-to-end tests.

  mailbox.py list DIR            one line per message: recipient TAB subject
  mailbox.py show DIR TEXT       headers and decoded body of the first message
                                 whose subject contains TEXT
  mailbox.py show-to DIR ADDRESS TEXT
                                 the same, of the first message to ADDRESS
  mailbox.py attachments DIR TEXT
                                 the attachments of the first message whose
                                 subject contains TEXT, one line each: name
                                 TAB media type TAB size TAB SHA-256; with
                                 SAVE=DIR also writes their bytes there
  mailbox.py check DIR           every message parses without defects and has
                                 the headers cpd promises; prints the count
  mailbox.py check-crlf DIR      the same, and every line ends in CRLF
  mailbox.py check-lines DIR     every header line cpd wrote is at most 78
                                 characters, 76 where it holds an encoded-word;
                                 prints the count of messages
  mailbox.py ids DIR             the Message-ID of every message, one a line
"""

import email
import email.parser
import email.policy
import hashlib
import os
import sys


def messages(directory, headers_only=False):
    """(raw bytes, message) of each file in DIR/new, by name; with
    headers_only, the messages hold their headers alone (much faster for
    big mailboxes), to be parsed whole with full() when needed."""
    new = os.path.join(directory, "new")
    if not os.path.isdir(new):
        return []
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    result = []
    for name in sorted(os.listdir(new)):
        with open(os.path.join(new, name), "rb") as f:
            raw = f.read()
        if headers_only:
            result.append((raw, parser.parsebytes(raw)))
        else:
            result.append((raw, full(raw)))
    return result


def full(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def recipient(message):
    # aiosmtpd's Mailbox and cpd's test server record the envelope.
    return str(message.get("X-RcptTo") or message.get("Delivered-To") or message["To"])


def main():
    command, directory = sys.argv[1], sys.argv[2]
    found = messages(directory, headers_only=command not in ("check", "check-crlf"))
    if command == "list":
        for _, message in sorted(found, key=lambda m: (recipient(m[1]), str(m[1]["Subject"]))):
            print("%s\t%s" % (recipient(message), message["Subject"]))
    elif command in ("show", "show-to"):
        address = sys.argv[3] if command == "show-to" else None
        text = sys.argv[4] if command == "show-to" else sys.argv[3]
        for raw, message in found:
            if address is not None and address not in recipient(message):
                continue
            if text in str(message["Subject"]):
                message = full(raw)
                for key, value in message.items():
                    print("%s: %s" % (key, value))
                print()
                body = message.get_body(("plain",)).get_content()
                print(body.replace("\r\n", "\n"), end="")
                return 0
        print("no message with subject containing %r" % text, file=sys.stderr)
        return 1
    elif command == "attachments":
        for raw, message in found:
            if sys.argv[3] in str(message["Subject"]):
                message = full(raw)
                if message.get_content_type() != "multipart/mixed" and message.is_multipart():
                    print("not multipart/mixed", file=sys.stderr)
                    return 1
                for part in message.iter_attachments():
                    data = part.get_payload(decode=True)
                    if part["Content-Transfer-Encoding"] != "base64":
                        print("not base64: %s" % part.get_filename(), file=sys.stderr)
                        return 1
                    print("%s\t%s\t%d\t%s" % (part.get_filename(), part.get_content_type(),
                                              len(data), hashlib.sha256(data).hexdigest()))
                    if os.environ.get("SAVE"):
                        with open(os.path.join(os.environ["SAVE"], part.get_filename()), "wb") as f:
                            f.write(data)
                return 0
        print("no message with subject containing %r" % sys.argv[3], file=sys.stderr)
        return 1
    elif command in ("check", "check-crlf"):
        for raw, message in found:
            problems = list(message.defects)
            for header in ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
                           "Auto-Submitted"):
                if header not in message:
                    problems.append("no " + header)
            crlf_kept = command == "check-crlf"
            if crlf_kept and (b"\r\n" not in raw or b"\n" in raw.replace(b"\r\n", b"")):
                problems.append("line ends are not CRLF")
            if problems:
                print("%s: %s" % (message["Subject"], problems), file=sys.stderr)
                return 1
        print(len(found))
    elif command == "check-lines":
        for raw, message in found:
            header = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].split(b"\n")
            # What a receiving server adds above cpd's Date is not cpd's.
            start = next(i for i, line in enumerate(header) if line.startswith(b"Date: "))
            for line in header[start:]:
                limit = 76 if b"=?" in line else 78
                if len(line) > limit:
                    print("%s: a header line of %d characters: %r"
                          % (message["Subject"], len(line), line), file=sys.stderr)
                    return 1
        print(len(found))
    elif command == "ids":
        for _, message in found:
            print(message["Message-ID"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
