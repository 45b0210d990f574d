#!/usr/bin/env python3
# smtp_script.py -- a scripted SMTP server on 127.0.0.1 for the submission
# tests: it misbehaves on purpose, at the stage a test asks for.
#
# Use: smtp_script.py --port-file F [--log F] [--commands F]
#                     [--greeting REPLY] [--mail REPLY] [--delay S]
#                     [--slow S]
#
# Global behaviour (every connection):
#   --greeting REPLY   greet with REPLY (e.g. "421 4.3.2 busy") and close
#   --mail REPLY       answer every MAIL FROM with REPLY
#   --delay S          wait S seconds before every reply
# Per recipient, by a word in the address's local part:
#   r451 r452 r552 r550  refuse RCPT with that code (r550: 5.1.1 unknown
#                        user; r552: no enhanced code, as RFC 5321 words it)
#   reject defer         the same as r550 and r451
#   d552                 accept, then 552 5.3.4 to the final dot
#   dropdata             354, read 64 KB of the body, reset the connection
#   stopread             354, then never read again (hold it 60 s)
#   dropdot              read the whole message, close without a reply
#   slowdot              read the whole message, answer after --slow S
# Every recipient whose message was accepted (250 to the dot) is appended
# to --log, one per line, every command received to --commands; the port
# is written to --port-file.
import argparse
import asyncio
import os
import socket
import struct

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", default="/dev/null")
ap.add_argument("--commands", default="/dev/null")
ap.add_argument("--greeting", default="220 test.example ESMTP")
ap.add_argument("--mail", default="250 2.1.0 Ok")
ap.add_argument("--delay", type=float, default=0)
ap.add_argument("--slow", type=float, default=5)
opt = ap.parse_args()
log = open(opt.log, "a", buffering=1)
commands = open(opt.commands, "a", buffering=1)

RCPT_REFUSALS = {
    "r451": "451 4.3.0 {a}: Temporary lookup failure",
    "r452": "452 4.3.1 {a}: Insufficient system storage",
    "r552": "552 {a}: Requested mail action aborted: exceeded storage allocation",
    "r550": "550 5.1.1 {a}: Recipient address rejected: User unknown in local recipient table",
}


RCPT_REFUSALS["reject"] = RCPT_REFUSALS["r550"]
RCPT_REFUSALS["defer"] = RCPT_REFUSALS["r451"]


def word(addr, words):
    local = addr.strip("<>").split("@")[0]
    for w in words:
        if w in local:
            return w
    return None


async def reply(w, text):
    if opt.delay:
        await asyncio.sleep(opt.delay)
    w.write(text.encode() + b"\r\n")
    await w.drain()


def reset(w):
    # RST, not FIN: unread data makes the kernel send one anyway
    sock = w.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


async def body(r):
    # the message up to the final dot; False if the connection ended
    while True:
        line = await r.readline()
        if not line:
            return False
        if line == b".\r\n":
            return True


async def data(r, w, rcpt):
    how = word(rcpt or "", ["dropdata", "stopread", "dropdot", "slowdot", "d552"])
    await reply(w, "354 End data with <CR><LF>.<CR><LF>")
    if how == "dropdata":
        await r.read(65536)
        reset(w)
        return False
    if how == "stopread":
        await asyncio.sleep(60)
        reset(w)
        return False
    if not await body(r):
        return False
    if how == "dropdot":
        w.close()
        return False
    if how == "slowdot":
        await asyncio.sleep(opt.slow)
    if how == "d552":
        await reply(w, "552 5.3.4 Message size exceeds fixed limit")
        return True
    log.write(rcpt.strip("<>") + "\n")
    await reply(w, "250 2.0.0 Ok: queued as TEST1")
    return True


async def session(r, w):
    rcpt = None
    await reply(w, opt.greeting)
    if not opt.greeting.startswith("2"):
        w.close()
        return
    while True:
        line = await r.readline()
        if not line:
            break
        cmd = line.decode("utf-8", "replace").strip()
        commands.write(cmd + "\n")
        u = cmd.upper()
        if u.startswith("EHLO"):
            await reply(w, "250-test.example\r\n250-PIPELINING\r\n250 8BITMIME")
        elif u.startswith("HELO"):
            await reply(w, "250 test.example")
        elif u.startswith("MAIL"):
            rcpt = None
            await reply(w, opt.mail)
        elif u.startswith(("RSET", "NOOP")):
            await reply(w, "250 2.0.0 Ok")
        elif u.startswith("RCPT"):
            addr = cmd[8:].strip()
            refusal = word(addr, RCPT_REFUSALS)
            if refusal:
                await reply(w, RCPT_REFUSALS[refusal].format(a=addr))
            else:
                rcpt = addr
                await reply(w, "250 2.1.5 Ok")
        elif u == "DATA":
            if not await data(r, w, rcpt):
                return
        elif u == "QUIT":
            await reply(w, "221 2.0.0 Bye")
            break
        else:
            await reply(w, "502 5.5.2 Error: command not recognized")
    w.close()


async def guarded(r, w):
    try:
        await session(r, w)
    except (ConnectionError, OSError):
        pass


async def main():
    srv = await asyncio.start_server(guarded, "127.0.0.1", 0)
    # whole or not at all: the test polls for the file
    with open(opt.port_file + ".tmp", "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    os.rename(opt.port_file + ".tmp", opt.port_file)
    async with srv:
        await srv.serve_forever()


asyncio.run(main())
