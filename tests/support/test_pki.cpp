#include "tests/support/test_pki.h"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace iter8::testing {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

std::string toPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "writing a key");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string toPem(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "writing a certificate");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Key readKey(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  check(key != nullptr, "reading a key");
  return key;
}

Cert readCert(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  check(cert != nullptr, "reading a certificate");
  return cert;
}

void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "making an extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Signs a new certificate for a fresh key; `issuer`/`issuerKey` null means self-signed.
PemPair makeCert(const std::string& commonName, X509* issuer, EVP_PKEY* issuerKey,
                 const char* basicConstraints, const char* keyUsage, const char* extendedUsage,
                 const char* subjectAltName) {
  static long serial = 1;
  Key key(EVP_EC_gen("P-256"));
  check(key != nullptr, "generating a key");
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  addExtension(cert.get(), signer, NID_basic_constraints, basicConstraints);
  addExtension(cert.get(), signer, NID_key_usage, keyUsage);
  addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (extendedUsage) addExtension(cert.get(), signer, NID_ext_key_usage, extendedUsage);
  if (subjectAltName) addExtension(cert.get(), signer, NID_subject_alt_name, subjectAltName);
  check(X509_sign(cert.get(), issuerKey ? issuerKey : key.get(), EVP_sha256()) > 0, "signing");
  return {toPem(cert.get()), toPem(key.get())};
}

PemPair issue(const PemPair& ca, const std::string& commonName, const char* extendedUsage,
              const char* subjectAltName) {
  Cert caCert = readCert(ca.certPem);
  Key caKey = readKey(ca.keyPem);
  return makeCert(commonName, caCert.get(), caKey.get(), "critical,CA:FALSE",
                  "critical,digitalSignature,keyEncipherment", extendedUsage, subjectAltName);
}

}  // namespace

PemPair makeCa(const std::string& commonName) {
  return makeCert(commonName, nullptr, nullptr, "critical,CA:TRUE", "critical,keyCertSign,cRLSign",
                  nullptr, nullptr);
}

PemPair issueServerCert(const PemPair& ca, const std::string& commonName) {
  return issue(ca, commonName, "serverAuth", "IP:127.0.0.1,DNS:localhost");
}

PemPair issueClientCert(const PemPair& ca, const std::string& commonName) {
  return issue(ca, commonName, "clientAuth", nullptr);
}

}  // namespace iter8::testing
