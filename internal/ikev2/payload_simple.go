package ikev2

// KE is the Key Exchange payload (RFC 7296 3.4).
type KE struct {
	Group uint16 // Key Exchange Method (transform type 4) ID
	Data  []byte
}

func (*KE) Type() PayloadType { return PayloadKE }

func decodeKE(a *arena, body []byte) (*KE, error) {
	r := reader(body)
	ke := take(&a.ke)
	if !r.u16(&ke.Group) || !r.skip(2) {
		return nil, errTruncated
	}
	ke.Data = r.rest()
	return ke, nil
}

func (k *KE) appendBody(b []byte) []byte {
	b = appendU16(b, k.Group)
	return append(append(b, 0, 0), k.Data...)
}

// ID is an Identification payload, IDi or IDr (RFC 7296 3.5).
type ID struct {
	Responder bool // IDr rather than IDi
	IDType    IDType
	Data      []byte
}

func (i *ID) Type() PayloadType {
	if i.Responder {
		return PayloadIDr
	}
	return PayloadIDi
}

func decodeID(a *arena, t PayloadType, body []byte) (*ID, error) {
	r := reader(body)
	var typ uint8
	if !r.u8(&typ) || !r.skip(3) {
		return nil, errTruncated
	}
	id := take(&a.id)
	*id = ID{Responder: t == PayloadIDr, IDType: IDType(typ), Data: r.rest()}
	switch {
	case id.IDType == IDIPv4Addr && len(id.Data) != 4,
		id.IDType == IDIPv6Addr && len(id.Data) != 16:
		return nil, reason(id.IDType.String() + " with " + itoa(len(id.Data)) + " bytes")
	}
	return id, nil
}

// AppendBody appends the payload body without its generic header: ID Type,
// RESERVED and data, which is what the AUTH computation signs
// (RestOfInitIDPayload and RestOfRespIDPayload, RFC 7296 2.15).
func (i *ID) AppendBody(b []byte) []byte { return i.appendBody(b) }

func (i *ID) appendBody(b []byte) []byte {
	return append(append(b, byte(i.IDType), 0, 0, 0), i.Data...)
}

// Cert is a Certificate payload (RFC 7296 3.6).
type Cert struct {
	Encoding CertEncoding
	Data     []byte
}

func (*Cert) Type() PayloadType { return PayloadCERT }

func decodeCert(a *arena, body []byte) (*Cert, error) {
	if len(body) < 1 {
		return nil, errTruncated
	}
	c := take(&a.cert)
	c.Encoding, c.Data = CertEncoding(body[0]), view(body[1:])
	return c, nil
}

func (c *Cert) appendBody(b []byte) []byte {
	return append(append(b, byte(c.Encoding)), c.Data...)
}

// CertReq is a Certificate Request payload (RFC 7296 3.7). For X.509 the
// Certification Authority field is a list of 20-byte SHA-1 hashes of CA
// public keys; Authorities splits it.
type CertReq struct {
	Encoding CertEncoding
	Data     []byte
}

func (*CertReq) Type() PayloadType { return PayloadCERTREQ }

func decodeCertReq(a *arena, body []byte) (*CertReq, error) {
	if len(body) < 1 {
		return nil, errTruncated
	}
	c := take(&a.creq)
	c.Encoding, c.Data = CertEncoding(body[0]), view(body[1:])
	return c, nil
}

func (c *CertReq) appendBody(b []byte) []byte {
	return append(append(b, byte(c.Encoding)), c.Data...)
}

// Authorities returns the SHA-1 key hashes of an X.509 CERTREQ, or false if
// the data is not a whole number of them.
func (c *CertReq) Authorities() ([][]byte, bool) {
	const n = 20
	if len(c.Data)%n != 0 {
		return nil, false
	}
	out := make([][]byte, 0, len(c.Data)/n)
	for i := 0; i < len(c.Data); i += n {
		out = append(out, c.Data[i:i+n:i+n])
	}
	return out, true
}

// Auth is the Authentication payload (RFC 7296 3.8).
type Auth struct {
	Method AuthMethod
	Data   []byte
}

func (*Auth) Type() PayloadType { return PayloadAUTH }

func decodeAuth(a *arena, body []byte) (*Auth, error) {
	r := reader(body)
	var m uint8
	if !r.u8(&m) || !r.skip(3) {
		return nil, errTruncated
	}
	au := take(&a.auth)
	au.Method, au.Data = AuthMethod(m), r.rest()
	return au, nil
}

func (a *Auth) appendBody(b []byte) []byte {
	return append(append(b, byte(a.Method), 0, 0, 0), a.Data...)
}

// SignatureAlgorithm splits the data of a Digital Signature AUTH payload
// (RFC 7427 3) into the DER AlgorithmIdentifier and the signature.
func (a *Auth) SignatureAlgorithm() (algID, sig []byte, ok bool) {
	if a.Method != AuthDigitalSignature || len(a.Data) < 1 {
		return nil, nil, false
	}
	n := int(a.Data[0])
	if n == 0 || len(a.Data) < 1+n {
		return nil, nil, false
	}
	return a.Data[1 : 1+n : 1+n], a.Data[1+n:], true
}

// Nonce is the Nonce payload, Ni or Nr (RFC 7296 3.9): 16 to 256 bytes.
type Nonce struct {
	Data []byte
}

// Nonce length bounds (RFC 7296 3.9).
const (
	MinNonceLen = 16
	MaxNonceLen = 256
)

func (*Nonce) Type() PayloadType { return PayloadNonce }

func decodeNonce(a *arena, body []byte) (*Nonce, error) {
	if len(body) < MinNonceLen || len(body) > MaxNonceLen {
		return nil, reason("nonce of " + itoa(len(body)) + " bytes")
	}
	n := take(&a.nonce)
	n.Data = body
	return n, nil
}

func (n *Nonce) appendBody(b []byte) []byte { return append(b, n.Data...) }

// VendorID is the Vendor ID payload (RFC 7296 3.12).
type VendorID struct {
	Data []byte
}

func (*VendorID) Type() PayloadType            { return PayloadV }
func (v *VendorID) appendBody(b []byte) []byte { return append(b, v.Data...) }

// EAP is the Extensible Authentication payload (RFC 7296 3.16). It is
// decoded so that it can be named in errors; EAP is not supported and the
// rules table rejects it.
type EAP struct {
	Code       uint8
	Identifier uint8
	Data       []byte // Type and Type_Data, if any
}

func (*EAP) Type() PayloadType { return PayloadEAP }

func decodeEAP(body []byte) (*EAP, error) {
	r := reader(body)
	var e EAP
	var length uint16
	if !r.u8(&e.Code) || !r.u8(&e.Identifier) || !r.u16(&length) {
		return nil, errTruncated
	}
	if int(length) != len(body) {
		return nil, reason("EAP length " + itoa(int(length)) + " in " + itoa(len(body)) + " bytes")
	}
	e.Data = r.rest()
	return &e, nil
}

func (e *EAP) appendBody(b []byte) []byte {
	b = append(b, e.Code, e.Identifier)
	b = appendU16(b, uint16(4+len(e.Data)))
	return append(b, e.Data...)
}
