// Throwaway TLS files for tests, made with the openssl tool in a directory the
// test owns: a CA, a certificate it signed for 127.0.0.1 (IP SAN; server and
// client use) with its key (mode 0600), and an unrelated CA. Blocking; call
// from the test thread.
#pragma once

#include <string>

#include "core/status.hpp"

namespace clusterctl {

struct TlsTestFiles {
  std::string ca;        // ca.pem
  std::string cert;      // server.pem, for 127.0.0.1
  std::string key;       // server.key
  std::string other_ca;  // other-ca.pem: signed nothing here
};

// Writes the files into `dir` (which must exist).
StatusOr<TlsTestFiles> make_tls_test_files(const std::string& dir);

}  // namespace clusterctl
