// Certificates for TLS tests, made at run time with the OpenSSL API (nothing secret or expiring
// is checked into the repository): a CA, server certificates for 127.0.0.1, client certificates.
#pragma once

#include <string>

namespace iter8::testing {

struct PemPair {
  std::string certPem;
  std::string keyPem;
};

// A self-signed CA (P-256, valid from an hour ago for a day).
PemPair makeCa(const std::string& commonName);

// A server certificate signed by `ca` for IP 127.0.0.1 and DNS localhost.
PemPair issueServerCert(const PemPair& ca, const std::string& commonName);

// A client certificate signed by `ca`; the API server reads the user name from the CN.
PemPair issueClientCert(const PemPair& ca, const std::string& commonName);

}  // namespace iter8::testing
