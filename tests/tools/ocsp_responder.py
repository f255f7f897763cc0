#!/usr/bin/env python3
"""An OCSP responder on loopback for host/tests/tls_grade.rs, built on Python
`cryptography`'s OCSP support (not on certhost's code): it answers "good" for the one
certificate it is given, signed by the CA's key, valid for an hour.

usage: ocsp_responder.py PORT CA_CERT CA_KEY CERT
"""

import datetime
import http.server
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

port, ca_path, key_path, cert_path = sys.argv[1:5]
ca = x509.load_pem_x509_certificate(open(ca_path, "rb").read())
key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())


class Responder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        request = ocsp.load_der_ocsp_request(self.rfile.read(length))
        now = datetime.datetime.now(datetime.timezone.utc)
        if request.serial_number != cert.serial_number:
            body = ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        else:
            builder = (
                ocsp.OCSPResponseBuilder()
                .add_response(
                    cert=cert,
                    issuer=ca,
                    algorithm=hashes.SHA1(),
                    cert_status=ocsp.OCSPCertStatus.GOOD,
                    this_update=now - datetime.timedelta(minutes=1),
                    next_update=now + datetime.timedelta(hours=1),
                    revocation_time=None,
                    revocation_reason=None,
                )
                .responder_id(ocsp.OCSPResponderEncoding.HASH, ca)
            )
            body = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(port)), Responder).serve_forever()
