// LedgerWire: what crosses the network between `flowledger serve` and its clients (DESIGN §11),
// with no HTTP stack of its own, so the server and the client library share one definition.
//
// Request signatures follow RFC 9421 (HTTP Message Signatures) and body digests RFC 9530
// (`Content-Digest`, sha-256), profiled by DESIGN §11.4:
//
//   Signature-Input: fl=("@method" "@target-uri" "content-digest");created=…;expires=…;keyid="<key id>";alg="ed25519";tag="flowledger/v1"
//   Signature: fl=:<base64 signature>:
//
// - `RequestSigner` makes these headers (client side).
// - `RequestSignatureVerifier.parse` reads them and builds the signature base; the server looks
//   the key up by `keyID`; `verify` enforces the policy and checks the signature;
//   `SignatureReplayGuard` then refuses a signature seen before.
// - `SignatureBase` and the strict RFC 8941 parser (`StructuredFieldParser`) underneath are
//   checked against RFC 9421 Appendix B.2.6 and RFC 9530's example in Tests/LedgerWireTests
//   (RFC9421VectorTests, ContentDigestTests), and fuzzed (StructuredFieldTests).
