"""PAdES B-LT check with pyHanko (issue 18 Build 2): every signature validated with the platform CA as the only trust
root and ONLY the validation data the PDF itself carries in its DSS — nothing fetched, revocation checking
hard-fail (every certificate but the root, the timestamp authority's included, needs status information from the
DSS) — at the time of the signature's timestamp, as a validator does long after signing.
The control, trustedWithoutDss: the same check without the DSS's data. Prints {"dss": {...counts}, "signatures":
[...]} as JSON. Usage: pyhanko-ltv.py CA.pem FILE.pdf"""
import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko_certvalidator import ValidationContext


def embedded_only(dss, root, moment=None):
    kwargs = {'trust_roots': [root], 'allow_fetching': False, 'revocation_mode': 'hard-fail'}
    if moment is not None:
        kwargs['moment'] = moment
    return dss.as_validation_context(kwargs)


def main(ca_path, pdf_path):
    root = load_cert_from_pemder(ca_path)
    with open(pdf_path, 'rb') as f:
        reader = PdfFileReader(f, strict=False)
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except NoDSSFoundError:
            print(json.dumps({'dss': None, 'signatures': []}))
            return
        out = {
            'dss': {'certs': len(dss.certs), 'ocsps': len(dss.ocsps), 'crls': len(dss.crls)},
            'signatures': [],
        }
        for sig in reader.embedded_signatures:
            first = validate_pdf_signature(sig, embedded_only(dss, root), ts_validation_context=embedded_only(dss, root))
            ts = first.timestamp_validity
            at = ts.timestamp if ts is not None else None
            status = first if at is None else validate_pdf_signature(
                sig, embedded_only(dss, root, at), ts_validation_context=embedded_only(dss, root, at)
            )
            out['signatures'].append({
                'field': sig.field_name,
                'validatedAt': None if at is None else at.isoformat(),
                'intact': status.intact,
                'valid': status.valid,
                'trusted': status.trusted,
                'revocationDetails': str(status.revocation_details) if status.revocation_details else None,
                'timestampTrusted': None if status.timestamp_validity is None else status.timestamp_validity.trusted,
                'bottomLine': status.bottom_line,
                # The control: the same validation without the DSS's data cannot establish trust.
                'trustedWithoutDss': validate_pdf_signature(
                    sig,
                    ValidationContext(
                        trust_roots=[root], allow_fetching=False, revocation_mode='hard-fail', crls=[], ocsps=[]
                    ),
                ).trusted,
                'summary': status.summary(),
            })
    print(json.dumps(out, ensure_ascii=False))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
