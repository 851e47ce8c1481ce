"""An exported licence checked by code this project did not write (issue 20): Python's rfc8785 (RFC 8785 JSON
canonicalisation) and pyca/cryptography. Reads the export (JSON) on standard input and the CA certificate (PEM) from
the file named by the first argument; prints one JSON object of named checks, each true or false:

- dataHash: SHA-256 of the RFC 8785 form of {metadata, data} equals signature.dataHash.value;
- signedContent: the signed text is the RFC 8785 form of the record's fields (seal, time, hash, title, authorisation,
  purpose);
- signature: signatureValue verifies over signedContent with the signer certificate's RSA key (PKCS#1 v1.5, SHA-256);
- makerSignature: the seal maker's (CA's) signature verifies over the RFC 8785 form of the seal info, and names the
  CA certificate by its SHA-256;
- boundCertificate: the signer certificate is the one bound in the seal info;
- issuedByCa: the CA certificate signed the signer certificate (cryptography's verify_directly_issued_by).
"""
import base64
import hashlib
import json
import sys

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding


def rsa_verifies(cert, signature_b64, message):
    try:
        cert.public_key().verify(base64.b64decode(signature_b64), message, padding.PKCS1v15(), hashes.SHA256())
        return True
    except Exception:  # noqa: BLE001 - any failure is a failed check
        return False


def checks(export, ca):
    licence = export["licence"]
    record = export["signature"]
    seal = record["seal"]
    signer = x509.load_pem_x509_certificate(record["signerCertificate"].encode())
    content = {
        "esId": seal["esId"],
        "sealId": record["sealId"],
        "signingTime": record["signingTime"],
        "dataHash": record["dataHash"],
        "documentTitle": record["documentTitle"],
        "authorisationId": record["authorisationId"],
    }
    if "purpose" in record:
        content["purpose"] = record["purpose"]
    data_hash = hashlib.sha256(rfc8785.dumps({"metadata": licence["metadata"], "data": licence["data"]})).hexdigest()
    maker = seal["makerSignature"]
    ca_sha256 = hashlib.sha256(ca.public_bytes(Encoding.DER)).hexdigest()
    try:
        signer.verify_directly_issued_by(ca)
        issued = True
    except Exception:  # noqa: BLE001
        issued = False
    bound = seal["sealInfo"]["property"]["certList"] == [
        base64.b64encode(signer.public_bytes(Encoding.DER)).decode()
    ]
    return {
        "dataHash": data_hash == record["dataHash"]["value"],
        "signedContent": rfc8785.dumps(content) == record["signedContent"].encode(),
        "signature": rsa_verifies(signer, record["signatureValue"], record["signedContent"].encode()),
        "makerSignature": maker["makerCertificateSha256"] == ca_sha256
        and rsa_verifies(ca, maker["signature"], rfc8785.dumps(seal["sealInfo"])),
        "boundCertificate": bound,
        "issuedByCa": issued,
    }


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        ca_certificate = x509.load_pem_x509_certificate(f.read())
    print(json.dumps(checks(json.load(sys.stdin), ca_certificate)))
