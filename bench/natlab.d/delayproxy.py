#!/usr/bin/env python3
"""delayproxy.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS: a transparent TCP proxy that holds every
chunk DELAY_MS before passing it on, in each direction (the lab's kernel has no `tc netem`).

Transparent: the connection to the target leaves from the client's own address and port (IP_TRANSPARENT), so the
room behind it sees each member's real public address, as it would without the proxy (the upgrade to direct
relies on that observed address). The namespace routes the target's answers back to this process (a `-m socket`
mark and a local route; bench/natlab sets them up). Bytes are passed on unchanged and in order; at most
MAX_QUEUED chunks wait per direction, then reading pauses (back-pressure, no unbounded buffer).
"""
import asyncio
import socket
import sys

IP_TRANSPARENT = 19
CHUNK = 64 * 1024
MAX_QUEUED = 256


async def pump(reader, writer, delay):
    q = asyncio.Queue(MAX_QUEUED)
    loop = asyncio.get_running_loop()

    async def send():
        while True:
            due, data = await q.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()

    sender = asyncio.ensure_future(send())
    try:
        while True:
            data = await reader.read(CHUNK)
            await q.put((loop.time() + delay, data or None))
            if not data:
                break
        await sender
        if writer.can_write_eof():
            writer.write_eof()
    except (OSError, asyncio.CancelledError):
        sender.cancel()
        writer.close()


async def main():
    lhost, lport, thost, tport, delay_ms = sys.argv[1:6]
    delay = int(delay_ms) / 1000.0
    loop = asyncio.get_running_loop()

    async def handle(creader, cwriter):
        peer = cwriter.get_extra_info("peername")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(peer[:2])
            s.setblocking(False)
            await loop.sock_connect(s, (thost, int(tport)))
        except OSError:
            s.close()
            cwriter.close()
            return
        treader, twriter = await asyncio.open_connection(sock=s)
        await asyncio.gather(pump(creader, twriter, delay), pump(treader, cwriter, delay))
        twriter.close()
        cwriter.close()

    server = await asyncio.start_server(handle, lhost, int(lport), reuse_address=True)
    print("delayproxy: %s:%s -> %s:%s, %s ms each way" % (lhost, lport, thost, tport, delay_ms), flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
