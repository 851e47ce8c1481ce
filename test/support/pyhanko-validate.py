"""Validates every signature of a PDF with pyHanko (issue 18 acceptance): the platform CA is the only trust root;
prints one JSON object per signature. Usage: pyhanko-validate.py CA.pem FILE.pdf"""
import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def main(ca_path, pdf_path):
    root = load_cert_from_pemder(ca_path)
    results = []
    with open(pdf_path, 'rb') as f:
        reader = PdfFileReader(f, strict=False)
        for sig in reader.embedded_signatures:
            context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode='soft-fail')
            status = validate_pdf_signature(sig, context, ts_validation_context=context)
            ts = status.timestamp_validity
            results.append({
                'field': sig.field_name,
                'subFilter': str(sig.sig_object.get('/SubFilter')),
                'intact': status.intact,
                'valid': status.valid,
                'trusted': status.trusted,
                'coverage': status.coverage.name if status.coverage else None,
                'modificationLevel': status.modification_level.name if status.modification_level else None,
                'docmdpOk': status.docmdp_ok,
                'bottomLine': status.bottom_line,
                'signer': status.signing_cert.subject.human_friendly,
                'timestamp': None if ts is None else {
                    'intact': ts.intact, 'valid': ts.valid, 'trusted': ts.trusted,
                    'time': ts.timestamp.isoformat(),
                },
                'summary': status.summary(),
            })
    print(json.dumps(results, ensure_ascii=False))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
