#include "tests/support/tls_test_files.hpp"

#include <cstdlib>

namespace clusterctl {

StatusOr<TlsTestFiles> make_tls_test_files(const std::string& dir) {
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script =
      "cd '" + dir + "' && {" + " openssl req -x509" + ec +
      " -keyout ca.key -out ca.pem -days 2 -subj '/CN=test CA' &&" + " openssl req -x509" + ec +
      " -keyout other.key -out other-ca.pem -days 2 -subj '/CN=other' &&" + " openssl req" + ec +
      " -keyout server.key -out server.csr -subj '/CN=127.0.0.1' &&" +
      " printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ext &&" +
      " openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2" +
      " -extfile ext -out server.pem && chmod 600 server.key; } > openssl.log 2>&1";
  if (std::system(script.c_str()) != 0) {
    return Status::internal("openssl could not make test certificates (see " + dir +
                            "/openssl.log)");
  }
  return TlsTestFiles{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key",
                      dir + "/other-ca.pem"};
}

}  // namespace clusterctl
