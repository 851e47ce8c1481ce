// sm2-check: an independent SM2/SM3 implementation (github.com/emmansun/gmsm) that the platform's SM2 support is
// compared with (issue 20 Build 2). It reads one JSON request on standard input and writes one JSON answer:
//
//   - the platform's certificates: does the organisation certificate parse, and does its SM3withSM2 signature
//     verify with the CA certificate (smx509.CheckSignatureFrom);
//   - the platform's signature records: does each signature value (DER) verify over its signed content with the
//     certificate's SM2 key and the default identifier (sm2.VerifyASN1WithSM2), and what is SM3 of the content;
//   - what the platform must verify: gmsm makes a CA and an organisation certificate of its own, and the
//     organisation key signs the given message.
package main

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

type record struct {
	SignerCertificate string `json:"signerCertificate"`
	SignedContent     string `json:"signedContent"`
	SignatureValue    string `json:"signatureValue"`
}

type request struct {
	CACertificate string   `json:"caCertificate"`
	Certificates  []string `json:"certificates"`
	Records       []record `json:"records"`
	// A message for gmsm to sign, for the platform to verify.
	Sign string `json:"sign"`
}

type certAnswer struct {
	Parsed     bool   `json:"parsed"`
	IssuedByCA bool   `json:"issuedByCa"`
	SM2Key     bool   `json:"sm2Key"`
	Subject    string `json:"subject"`
	Error      string `json:"error,omitempty"`
}

type recordAnswer struct {
	Verifies bool   `json:"verifies"`
	SM3      string `json:"sm3"`
}

type signed struct {
	CACertificate string `json:"caCertificate"`
	Certificate   string `json:"certificate"`
	Signature     string `json:"signature"`
}

type answer struct {
	Certificates []certAnswer   `json:"certificates"`
	Records      []recordAnswer `json:"records"`
	Signed       *signed        `json:"signed,omitempty"`
}

func parse(p string) (*smx509.Certificate, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return smx509.ParseCertificate(block.Bytes)
}

func checkCertificate(ca *smx509.Certificate, p string) certAnswer {
	cert, err := parse(p)
	if err != nil {
		return certAnswer{Error: err.Error()}
	}
	_, isSM2 := cert.PublicKey.(*ecdsa.PublicKey)
	a := certAnswer{Parsed: true, SM2Key: isSM2, Subject: cert.Subject.String()}
	if ca != nil {
		if err := cert.CheckSignatureFrom(ca); err == nil {
			a.IssuedByCA = true
		} else {
			a.Error = err.Error()
		}
	}
	return a
}

func checkRecord(r record) recordAnswer {
	sum := sm3.Sum([]byte(r.SignedContent))
	a := recordAnswer{SM3: hex.EncodeToString(sum[:])}
	cert, err := parse(r.SignerCertificate)
	if err != nil {
		return a
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	sig, err := base64.StdEncoding.DecodeString(r.SignatureValue)
	if ok && err == nil {
		a.Verifies = sm2.VerifyASN1WithSM2(pub, nil, []byte(r.SignedContent), sig)
	}
	return a
}

func pemOf(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// organizationIdentifier (X.520), where the platform puts the USCC.
var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

func makeSigned(message string) (*signed, error) {
	caKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTemplate := &smx509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Country: []string{"CN"}, Organization: []string{"gmsm test CA"}, CommonName: "gmsm test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              smx509.KeyUsageCertSign,
	}
	caDer, err := smx509.CreateCertificate(rand.Reader, caTemplate.ToX509(), caTemplate.ToX509(), caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	orgKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	orgTemplate := &smx509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject: pkix.Name{
			Country: []string{"CN"}, Organization: []string{"gmsm test organisation"}, CommonName: "gmsm test organisation",
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidOrganizationIdentifier, Value: "11140525000120379A"}},
		},
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.Add(24 * time.Hour),
		KeyUsage:  smx509.KeyUsageDigitalSignature,
	}
	orgDer, err := smx509.CreateCertificate(rand.Reader, orgTemplate.ToX509(), caTemplate.ToX509(), orgKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	sig, err := orgKey.Sign(rand.Reader, []byte(message), sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return nil, err
	}
	return &signed{CACertificate: pemOf(caDer), Certificate: pemOf(orgDer), Signature: base64.StdEncoding.EncodeToString(sig)}, nil
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		os.Stderr.WriteString(err.Error())
		os.Exit(1)
	}
	ans := answer{Certificates: []certAnswer{}, Records: []recordAnswer{}}
	ca, _ := parse(req.CACertificate)
	for _, c := range req.Certificates {
		ans.Certificates = append(ans.Certificates, checkCertificate(ca, c))
	}
	for _, r := range req.Records {
		ans.Records = append(ans.Records, checkRecord(r))
	}
	if req.Sign != "" {
		s, err := makeSigned(req.Sign)
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(1)
		}
		ans.Signed = s
	}
	if err := json.NewEncoder(os.Stdout).Encode(ans); err != nil {
		os.Exit(1)
	}
}
