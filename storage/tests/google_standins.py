"""Local stand-ins for the two Google endpoints a keyless deployment uses to sign
URLs (Cloud Run, GKE Workload Identity):

* the metadata server, which google.auth asks for the attached service
  account's email and access token (plain HTTP, like the real one), and
* the IAM Credentials API `signBlob`, at https://iamcredentials.googleapis.com.

google-cloud-storage builds the signBlob URL inline (`_signing._sign_message`),
so it cannot be pointed elsewhere. Instead the stand-in is also an HTTPS proxy:
with HTTPS_PROXY aimed at it, the real URL is requested through a CONNECT
tunnel that the stand-in terminates with a certificate for
iamcredentials.googleapis.com issued by a throwaway CA (REQUESTS_CA_BUNDLE).
Nothing in the storage library or the backend is patched.
"""

from __future__ import annotations

import base64
import datetime
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IAM_HOST = "iamcredentials.googleapis.com"


def _write_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for IAM_HOST: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "omX test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, IAM_HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(IAM_HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


class GoogleStandIn:
    """Metadata server + HTTPS proxy terminating IAM signBlob, on one local port."""

    def __init__(self, directory: Path, *, email: str, project_id: str, access_token: str):
        self.email = email
        self.project_id = project_id
        self.access_token = access_token
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.sign_requests: list[dict] = []  # {"path", "authorization", "payload"}
        self.metadata_requests: list[str] = []
        self.ca_path, cert_path, key_path = _write_tls_files(directory)
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert_path, key_path)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self):
        standin = self

        class IamHandler(BaseHTTPRequestHandler):
            """Speaks HTTP inside the TLS tunnel, as iamcredentials.googleapis.com."""

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                payload = base64.b64decode(json.loads(body)["payload"])
                standin.sign_requests.append(
                    {
                        "host": self.headers.get("Host"),
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "payload": payload,
                    }
                )
                signature = standin.signing_key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
                self._json(
                    200, {"keyId": "standin-key", "signedBlob": base64.b64encode(signature).decode()}
                )

            def _json(self, status: int, data) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                host = self.path.rsplit(":", 1)[0]
                if host != IAM_HOST:
                    self.send_error(403, "this stand-in only tunnels to the IAM API")
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                with standin._tls.wrap_socket(self.connection, server_side=True) as tunnel:
                    IamHandler(tunnel, self.client_address, self.server)
                self.close_connection = True

            def do_GET(self):
                standin.metadata_requests.append(self.path)
                path = self.path.split("?", 1)[0]
                if path == "/":  # google.auth's "are we on Google Cloud?" ping
                    self._reply(200, "text/plain", b"")
                elif path == "/computeMetadata/v1/project/project-id":
                    self._reply(200, "text/plain", standin.project_id.encode())
                elif path.startswith("/computeMetadata/v1/instance/service-accounts/"):
                    if path.endswith("/token"):
                        body = {
                            "access_token": standin.access_token,
                            "expires_in": 3599,
                            "token_type": "Bearer",
                        }
                    else:
                        body = {
                            "email": standin.email,
                            "aliases": ["default"],
                            "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                        }
                    self._reply(200, "application/json", json.dumps(body).encode())
                else:
                    self._reply(404, "text/plain", b"not found")

            def _reply(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Metadata-Flavor", "Google")
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
