#!/usr/bin/env python3
# imap_script.py -- scripted IMAP servers on 127.0.0.1 (or ::1) for
# imap.sh: just enough of RFC 3501 for `anketa fetch` (LOGIN, AUTHENTICATE
# PLAIN, SELECT, UID SEARCH/FETCH/STORE/MOVE/COPY, CREATE, IDLE),
# misbehaving on purpose where a test asks, at a moment a real server
# would make hard to hit. One process runs every server a test needs
# (Python takes a while to start on a busy machine).
#
# Use: imap_script.py --dir D 'NAME [option...]' ...
#   Each argument is one server: D/NAME.port gets its port once it
#   listens, D/NAME.cmds every command line it receives. Options:
#   --listen ADDR  127.0.0.1 (default) or ::1; a server that cannot
#                listen writes no port file, the others go on
#   --caps "..."   the capabilities announced (greeting, CAPABILITY,
#                login); default IMAP4rev1 IDLE UIDPLUS AUTH=PLAIN SASL-IR
#   --messages N   N messages in INBOX at the start (UIDs 1..N; default 1)
#   --drop CMD     close the connection, without an answer, when command
#                CMD ("UID STORE") arrives
#   --arrive-on CMD  the first time CMD arrives a new message arrives
#                too: its "* N EXISTS" goes out before the command's
#                tagged answer, or for IDLE in the same write as
#                "+ idling", as Dovecot does when mail came in between
#   --tls-cert PEM --tls-key PEM  TLS from the start (imaps://); the PEM
#                may hold the chain, leaf first; the name the client asks
#                for (SNI) goes to NAME.cmds as "SNI name"
#   --proxy HOST:PORT --before CMD --run SHELL  pass the bytes through
#                to a real server instead; the first time the client
#                sends CMD, run SHELL (e.g. doveadm save) before passing
#                CMD on: mail then arrives exactly while CMD is on its way.
#                The server's answer to CMD is passed on in one write, as
#                a network delivers lines written back to back ("+ idling"
#                and "* 2 EXISTS") that loopback may hand over apart
# Users: any name, password "secret"; the password "busy" gets
# NO [UNAVAILABLE] (RFC 5530: the authentication service is down, try
# later) to AUTHENTICATE. Mailbox names that are not 7-bit are refused,
# as Dovecot refuses what is not modified UTF-7.
import argparse
import asyncio
import base64
import os
import re
import shlex
import socket
import ssl
import subprocess

UIDVALIDITY = 42


def server_options(words):
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--caps",
                    default="IMAP4rev1 IDLE UIDPLUS AUTH=PLAIN SASL-IR")
    ap.add_argument("--messages", type=int, default=1)
    ap.add_argument("--drop", default="")
    ap.add_argument("--arrive-on", default="")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--proxy")
    ap.add_argument("--before", default="")
    ap.add_argument("--run", default="true")
    return ap.parse_args(words)


def body(uid):
    return ("From: sender%d@elsewhere.org\r\nTo: organiser@example.org\r\n"
            "Subject: Question %d\r\nMessage-ID: <q%d@elsewhere.org>\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n"
            "Which survey is this about?\r\n" % (uid, uid, uid)).encode()


def command_name(line):
    """ "UID MOVE" from "5 UID MOVE 1 Archive" """
    words = line.split()
    if words[1:2] and words[1].upper() == "UID":
        return " ".join(words[1:3]).upper()
    return " ".join(words[1:2]).upper()


async def read_command(reader, writer):
    """One command line with its literals folded in, or None at EOF."""
    line = await reader.readline()
    if not line:
        return None
    text = line.decode("utf-8", "replace").rstrip("\r\n")
    while True:
        lit = re.search(r"\{(\d+)(\+?)\}$", text)
        if not lit:
            return text
        if not lit.group(2):
            writer.write(b"+ go ahead\r\n")
            await writer.drain()
        data = await reader.readexactly(int(lit.group(1)))
        rest = await reader.readline()
        text = text[:lit.start()] + '"' + data.decode() + '"' + \
            rest.decode().rstrip("\r\n")


class Drop(Exception):
    pass


class Server:
    def __init__(self, opt, directory):
        self.opt = opt
        self.dir = directory
        self.commands = open(os.path.join(directory, opt.name + ".cmds"),
                             "a", buffering=1)
        self.mailbox = []       # [uid, flags] in sequence order
        self.next_uid = 1
        self.arrived = False
        self.hold = False       # proxy: gather the answer to --before
        for _ in range(opt.messages):
            self.new_message()

    def log(self, line):
        self.commands.write(line + "\n")

    def new_message(self):
        self.mailbox.append([self.next_uid, set()])
        self.next_uid += 1

    def uid_set(self, spec):
        """The messages present that a set like 1:3,5,7:* names."""
        top = max([m[0] for m in self.mailbox], default=0)
        want = set()
        for part in spec.split(","):
            lo, _, hi = part.partition(":")
            lo = top if lo == "*" else int(lo)
            hi = lo if hi == "" else top if hi == "*" else int(hi)
            want.update(range(min(lo, hi), max(lo, hi) + 1))
        return [m for m in self.mailbox if m[0] in want]

    def seq(self, m):
        return self.mailbox.index(m) + 1

    def arrival(self, name):
        """The EXISTS line when this command brings the scripted mail."""
        if self.arrived or name != self.opt.arrive_on:
            return b""
        self.arrived = True
        self.new_message()
        return b"* %d EXISTS\r\n" % len(self.mailbox)

    def fetch_items(self, m, what):
        out = ["UID %d" % m[0]]
        data = body(m[0])
        if "RFC822.SIZE" in what:
            out.append("RFC822.SIZE %d" % len(data))
        part = re.search(r"BODY\.PEEK\[\]<0\.(\d+)>", what)
        if part or "BODY.PEEK[]" in what:
            if part:
                data = data[:int(part.group(1))]
            head = "* %d FETCH (%s BODY[]%s {%d}\r\n" % (
                self.seq(m), " ".join(out), "<0>" if part else "",
                len(data))
            return head.encode() + data + b")\r\n"
        return ("* %d FETCH (%s)\r\n" % (self.seq(m), " ".join(out))).encode()

    def logged_in(self, tag, password):
        if password == b"busy":
            return b"%s NO [UNAVAILABLE] Authentication service down\r\n" % tag
        if password != b"secret":
            return b"%s NO [AUTHENTICATIONFAILED] Authentication failed.\r\n" % tag
        return b"%s OK [CAPABILITY %s] Logged in\r\n" % (
            tag, self.opt.caps.encode())

    async def authenticate(self, tag, args, reader, writer):
        parts = args.split()
        if parts[0].upper() != "PLAIN":
            return b"%s NO Unsupported mechanism\r\n" % tag
        if len(parts) > 1:
            resp = parts[1]
        else:
            writer.write(b"+ \r\n")
            await writer.drain()
            resp = (await reader.readline()).decode().strip()
            self.log(resp)
        fields = base64.b64decode(resp).split(b"\0")
        return self.logged_in(tag, fields[2] if len(fields) == 3 else b"")

    async def idle(self, tag, reader, writer):
        writer.write(b"+ idling\r\n" + self.arrival("IDLE"))
        await writer.drain()
        done = await reader.readline()
        if not done:
            raise Drop()
        self.log(done.decode().rstrip("\r\n"))
        return b"%s OK Idle completed\r\n" % tag

    async def answer(self, tag, name, args, reader, writer):
        ok = b"%s OK %s completed\r\n" % (tag, name.encode())
        if name in ("SELECT", "EXAMINE", "CREATE", "UID COPY",
                    "UID MOVE") and not args.isascii():
            return b"%s NO [CANNOT] Mailbox name is not valid mUTF-7\r\n" % tag
        if name == "CAPABILITY":
            return b"* CAPABILITY %s\r\n" % self.opt.caps.encode() + ok
        if name == "LOGIN":
            words = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', args)
            pw = [a or b for a, b in words][1:2]
            return self.logged_in(tag, pw[0].encode() if pw else b"")
        if name == "AUTHENTICATE":
            return await self.authenticate(tag, args, reader, writer)
        if name in ("SELECT", "EXAMINE"):
            return (b"* FLAGS (\\Seen \\Deleted $AnketaDone)\r\n"
                    b"* %d EXISTS\r\n* 0 RECENT\r\n"
                    b"* OK [UIDVALIDITY %d] UIDs valid\r\n"
                    b"* OK [UIDNEXT %d] Predicted next UID\r\n"
                    b"%s OK [READ-WRITE] Select completed\r\n" %
                    (len(self.mailbox), UIDVALIDITY, self.next_uid, tag))
        if name == "UID SEARCH":
            rng = re.search(r"UID (\S+)", args)
            found = self.uid_set(rng.group(1)) if rng else list(self.mailbox)
            found = [m for m in found if "$AnketaDone" not in m[1]]
            return (b"* SEARCH" + b"".join(b" %d" % m[0] for m in found) +
                    b"\r\n" + self.arrival(name) + ok)
        if name == "UID FETCH":
            spec, what = args.split(" ", 1)
            return b"".join(self.fetch_items(m, what)
                            for m in self.uid_set(spec)) + \
                self.arrival(name) + ok
        if name == "UID STORE":
            spec, what = args.split(" ", 1)
            for m in self.uid_set(spec):
                m[1].update(re.findall(r"[\\$]?\w+", what.split("(", 1)[1]))
            return self.arrival(name) + ok
        if name in ("UID MOVE", "UID EXPUNGE"):
            out = b""
            gone = self.uid_set(args.split(" ", 1)[0])
            for m in sorted(gone, key=self.seq, reverse=True):
                out += b"* %d EXPUNGE\r\n" % self.seq(m)
                self.mailbox.remove(m)
            return out + self.arrival(name) + ok
        if name == "IDLE":
            return await self.idle(tag, reader, writer)
        if name == "LOGOUT":
            return b"* BYE Logging out\r\n" + ok
        if name in ("NOOP", "CREATE", "CHECK", "UID COPY", "EXPUNGE"):
            return self.arrival(name) + ok
        return b"%s BAD Unknown command\r\n" % tag

    async def session(self, reader, writer):
        writer.write(b"* OK [CAPABILITY %s] imap_script ready\r\n" %
                     self.opt.caps.encode())
        try:
            while True:
                line = await read_command(reader, writer)
                if line is None:
                    break
                self.log(line)
                tag, _, rest = line.partition(" ")
                name = command_name(line)
                args = rest[len(name):].strip()
                if self.opt.drop and name == self.opt.drop:
                    break
                writer.write(await self.answer(tag.encode(), name, args,
                                               reader, writer))
                await writer.drain()
                if name == "LOGOUT":
                    break
        except (Drop, ConnectionError, asyncio.IncompleteReadError):
            pass
        writer.close()

    async def proxy_session(self, reader, writer):
        host, _, port = self.opt.proxy.rpartition(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))

        async def downstream():
            while True:
                data = await up_reader.read(65536)
                if not data:
                    break
                if self.hold:
                    self.hold = False
                    await asyncio.sleep(0.3)
                    try:
                        data += await asyncio.wait_for(
                            up_reader.read(65536), 0.05)
                    except asyncio.TimeoutError:
                        pass
                writer.write(data)
                await writer.drain()
            writer.close()
        task = asyncio.create_task(downstream())
        while True:
            line = await reader.readline()
            if not line:
                break
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            self.log(text)
            if not self.arrived and command_name(text) == self.opt.before:
                self.arrived = True
                subprocess.run(self.opt.run, shell=True, check=False)
                self.hold = True
            up_writer.write(line)
            await up_writer.drain()
        up_writer.close()
        await task

    async def start(self):
        opt = self.opt
        tls = None
        if opt.tls_cert:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(opt.tls_cert, opt.tls_key)
            tls.sni_callback = lambda sock, name, ctx: \
                self.log("SNI %s" % name)
        family = socket.AF_INET6 if ":" in opt.listen else socket.AF_INET
        try:
            server = await asyncio.start_server(
                self.proxy_session if opt.proxy else self.session,
                opt.listen, 0, family=family, ssl=tls)
        except OSError as e:
            self.log("cannot listen on %s: %s" % (opt.listen, e))
            return None
        port_file = os.path.join(self.dir, opt.name + ".port")
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % server.sockets[0].getsockname()[1])
        os.rename(port_file + ".tmp", port_file)
        return server


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("servers", nargs="+")
    args = ap.parse_args()
    servers = [Server(server_options(shlex.split(s)), args.dir)
               for s in args.servers]
    running = [s for s in [await s.start() for s in servers] if s]
    await asyncio.gather(*(s.serve_forever() for s in running))

asyncio.run(main())
