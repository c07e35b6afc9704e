"""A small OpenID Connect provider for tests: discovery, JWKS, authorize and token endpoints over real HTTP, on
127.0.0.1 in a thread. ID tokens are RS256, signed with an RSA key generated per provider.

Tests change what the provider does through attributes: ``claims`` (merged into each ID token), ``tamper``
(a function that edits the claims just before signing — a wrong nonce, audience, an expired token), ``sign_with``
(another key: a forged signature).
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    def __init__(self, *, path="", client_id="safeguard-test", client_secret="s3cret-value-Zq9"):
        self.key = new_key()
        self.kid = "test-key-1"
        self.client_id = client_id
        self.client_secret = client_secret
        self.claims = {}
        self.tamper = None
        self.sign_with = None
        self.codes = {}
        self.token_requests = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_port}{path}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def authorize(self, query):
        """What /authorize answers: the redirect back to the client with a code (str URL)."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def token(self, form):
        """(status, body) for a token request."""
        self.token_requests.append(form)
        request = self.codes.pop(form.get("code", ""), None)
        if request is None:
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client"}
        challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if challenge.rstrip(b"=").decode() != request.get("code_challenge"):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        if form.get("redirect_uri") != request.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "user-" + secrets.token_hex(4),
            "iat": now,
            "exp": now + 300,
            "nonce": request.get("nonce"),
            **self.claims,
        }
        if self.tamper:
            self.tamper(claims)
        id_token = jwt.encode(claims, self.sign_with or self.key, algorithm="RS256", headers={"kid": self.kid})
        return 200, {"access_token": "at-" + secrets.token_hex(8), "token_type": "Bearer", "id_token": id_token}

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path.endswith("/.well-known/openid-configuration"):
                    return self._json(200, provider.discovery())
                if parts.path.endswith("/jwks"):
                    return self._json(200, provider.jwks())
                if parts.path.endswith("/authorize"):
                    self.send_response(302)
                    self.send_header("Location", provider.authorize(query))
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path.endswith("/token"):
                    return self._json(*provider.token(form))
                return self._json(404, {"error": "not_found"})

        return Handler
