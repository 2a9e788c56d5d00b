#!/usr/bin/env python3
"""The anchor for benches/http/keepalive.py: the MCP Python SDK's own Streamable HTTP
server (mcp 2.x, `MCPServer`) with one `roll_dice` tool, on a free loopback port. It prints
`listening on http://127.0.0.1:PORT/mcp` on stderr, like `ttrpg serve`.

Usage: benches/http/python_sdk_server.py   (needs `pip install mcp==2.3.0`)
"""
import random
import socket
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("anchor")


@server.tool()
def roll_dice(expression: str) -> dict:
    """Rolls 1d20+5 (the expression is ignored: the anchor measures the transport)."""
    return {"expression": expression, "total": random.randint(1, 20) + 5}


def main():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}/mcp", file=sys.stderr, flush=True)
    import anyio

    anyio.run(lambda: server.run_streamable_http_async(host="127.0.0.1", port=port))


if __name__ == "__main__":
    main()
