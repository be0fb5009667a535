#!/usr/bin/python3
"""Authenticating to a clusterctl master, written from docs/PROTOCOL.md
("Authentication") with python3-msgpack, hashlib and hmac only.

Usage: authenticate.py HOST:PORT PRINCIPAL SECRET_FILE [MECHANISM [METHOD PARAMS_JSON]]
  hello, authenticate (SCRAM-SHA-256 unless MECHANISM says CRAM-MD5), then
  METHOD with PARAMS_JSON (default: state.frameworks {}); prints "ok" when
  all worked, else "KIND: MESSAGE" and exits 1.
authenticate() is also what the test scheduler (test_framework.py) uses.
"""
import base64
import hashlib
import hmac
import json
import os
import sys

from rpc_client import Client


def read_secret(path):
    with open(path, "rb") as f:
        secret = f.read()
    return secret[:-1] if secret.endswith(b"\n") else secret


def _cram_md5(client, principal, secret):
    error, reply = client.call("auth.start", {"mechanism": "CRAM-MD5", "principal": principal,
                                              "data": b""})
    if error:
        return error
    digest = hmac.new(secret, bytes(reply["data"]), hashlib.md5).hexdigest()
    error, reply = client.call("auth.step", {"data": (principal + " " + digest).encode()})
    if error:
        return error
    return None if reply["done"] else {"message": "the exchange did not end"}


def _scram_sha256(client, principal, secret):
    name = principal.replace("=", "=3D").replace(",", "=2C")
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = "n=" + name + ",r=" + nonce
    error, reply = client.call("auth.start", {"mechanism": "SCRAM-SHA-256",
                                              "principal": principal,
                                              "data": ("n,," + first_bare).encode()})
    if error:
        return error
    server_first = bytes(reply["data"]).decode()
    fields = dict(item.split("=", 1) for item in server_first.split(","))
    if not fields["r"].startswith(nonce):
        return {"message": "the server's nonce does not extend ours"}
    salted = hashlib.pbkdf2_hmac("sha256", secret, base64.b64decode(fields["s"]), int(fields["i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = "c=biws,r=" + fields["r"]
    auth_message = (first_bare + "," + server_first + "," + without_proof).encode()
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    final = without_proof + ",p=" + base64.b64encode(proof).decode()
    error, reply = client.call("auth.step", {"data": final.encode()})
    if error:
        return error
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    expected = "v=" + base64.b64encode(
        hmac.new(server_key, auth_message, hashlib.sha256).digest()).decode()
    if not reply["done"] or bytes(reply["data"]).decode() != expected:
        return {"message": "the server's signature does not check out"}
    return None


def authenticate(client, principal, secret, mechanism=None):
    """None when authenticated, else the error map ({"kind", "message"})."""
    error, hello = client.call("hello", {"protocol_version": 1})
    if error:
        return error
    offered = hello.get("authentication", [])
    if mechanism is None:
        mechanism = next((m for m in ("SCRAM-SHA-256", "CRAM-MD5") if m in offered), None)
        if mechanism is None:
            return None  # the master does not authenticate
    if mechanism == "CRAM-MD5":
        return _cram_md5(client, principal, secret)
    if mechanism == "X-EXAMPLE-TOKEN":  # examples/authenticator_example
        error, reply = client.call("auth.start", {"mechanism": mechanism, "principal": principal,
                                                  "data": principal.encode() + b"\0" + secret})
        return error or (None if reply["done"] else {"message": "the exchange did not end"})
    return _scram_sha256(client, principal, secret)


def main():
    address, principal, secret_file = sys.argv[1:4]
    mechanism = sys.argv[4] if len(sys.argv) > 4 else "SCRAM-SHA-256"
    client = Client(address)
    error, _ = client.call("hello", {"protocol_version": 1})
    assert error is None, error
    error = authenticate(client, principal, read_secret(secret_file), mechanism)
    if error:
        print(error.get("kind", "") + ": " + error.get("message", ""))
        return 1
    method = sys.argv[5] if len(sys.argv) > 5 else "state.frameworks"
    params = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
    error, reply = client.call(method, params)
    if error:
        print(error.get("kind", "") + ": " + error.get("message", ""))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
