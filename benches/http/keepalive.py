#!/usr/bin/env python3
"""MCP tool calls over Streamable HTTP from a keep-alive client, the way the MCP Python SDK
calls a server (httpx, one pooled connection): starts `ttrpg serve --transport http` on a
free loopback port, initializes a session, then times sequential `roll_dice` calls.

Usage: benches/http/keepalive.py PATH/TO/ttrpg [N] [WARMUP]   (needs `pip install httpx`)
       benches/http/keepalive.py PATH/TO/ttrpg [N] [WARMUP] --token   the same with a bearer token:
                                                             `ttrpg token create` first, then every
                                                             request carries it (what authentication costs)
       benches/http/keepalive.py --python-sdk [N] [WARMUP]    the anchor: the MCP Python SDK's
                                                             own server (python_sdk_server.py)

Prints p50 / p99 / mean latency in milliseconds and calls per second. Each call is one
POST answered with an SSE stream, so Nagle's algorithm on the server's small writes meets
the client's delayed ACK here if TCP_NODELAY is not set (about 40 ms a call).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import httpx


def start(binary, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTRPG_")}
    if binary == "--python-sdk":
        here = os.path.dirname(os.path.abspath(__file__))
        command = [sys.executable, os.path.join(here, "python_sdk_server.py")]
    else:
        command = [binary, "--data-dir", data_dir, "--log", "warn", "serve", "--transport", "http",
                   "--listen", "127.0.0.1:0"]
    proc = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if "listening on " in line:
            return proc, line.split("listening on ", 1)[1].strip()
    proc.kill()
    raise SystemExit("the server did not say where it listens")


def rpc(client, url, headers, message):
    """One JSON-RPC request; returns the response message (JSON or the SSE stream's)."""
    response = client.post(url, json=message, headers=headers)
    response.raise_for_status()
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        for line in response.text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                payload = json.loads(line[5:])
                if payload.get("id") == message.get("id"):
                    return response, payload
        raise SystemExit(f"no response in the event stream: {response.text[:200]!r}")
    return response, response.json() if response.content else None


def make_token(binary, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTRPG_")}
    out = subprocess.run([binary, "--data-dir", data_dir, "--log", "warn", "token", "create", "--user", "bench",
                          "--json"], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)["token"]


def main():
    args = [a for a in sys.argv[1:] if a != "--token"]
    with_token = "--token" in sys.argv[1:]
    binary = args[0]
    n = int(args[1]) if len(args) > 1 else 200
    warmup = int(args[2]) if len(args) > 2 else 20
    with tempfile.TemporaryDirectory(prefix="ttrpg-bench-") as data_dir:
        token = make_token(binary, data_dir) if with_token else None
        proc, url = start(binary, data_dir)
        try:
            headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
            if token:
                headers["authorization"] = f"Bearer {token}"
            with httpx.Client(timeout=30) as client:
                for _ in range(100):  # the anchor server says its port before it listens
                    try:
                        client.get(url.rsplit("/", 1)[0] + "/")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                response, init = rpc(client, url, headers, {
                    "jsonrpc": "2.0", "id": 1, "method": "initialize",
                    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                               "clientInfo": {"name": "keepalive-bench", "version": "1"}},
                })
                headers["mcp-session-id"] = response.headers["mcp-session-id"]
                headers["mcp-protocol-version"] = init["result"]["protocolVersion"]
                client.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
                latencies = []
                for i in range(warmup + n):
                    started = time.perf_counter()
                    _, reply = rpc(client, url, headers, {
                        "jsonrpc": "2.0", "id": 10 + i, "method": "tools/call",
                        "params": {"name": "roll_dice", "arguments": {"expression": "1d20+5"}},
                    })
                    elapsed = time.perf_counter() - started
                    assert "result" in reply and not reply["result"].get("isError"), reply
                    if i >= warmup:
                        latencies.append(elapsed * 1000)
        finally:
            proc.kill()
            proc.wait()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    server = "Python SDK server" if binary == "--python-sdk" else os.path.basename(binary)
    if token:
        server += " with a bearer token"
    print(f"{server}, HTTP keep-alive (httpx) roll_dice: {n} calls  p50 {statistics.median(latencies):.2f} ms  "
          f"p99 {p99:.2f} ms  mean {statistics.mean(latencies):.2f} ms  {1000 / statistics.mean(latencies):.0f} calls/s")


if __name__ == "__main__":
    main()
