#include "core/rpc/tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <boost/asio/ssl.hpp>

#include "core/auth/credentials.hpp"

namespace clusterctl {

namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 and newer only.
constexpr long kContextOptions = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                 ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                 ssl::context::no_tlsv1_1 | ssl::context::single_dh_use;

Status readable(const std::string& flag, const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return Status::invalid(flag + " " + path + " cannot be read: " + std::strerror(errno));
  }
  return Status::ok();
}

Status unusable(const std::string& flag, const std::string& path, const std::string& what,
                const boost::system::error_code& error) {
  return Status::invalid(flag + " " + path + " is not a usable " + what + ": " + error.message());
}

// The certificate chain and the key that goes with it.
Status load_identity(ssl::context& context, const std::string& cert_flag,
                     const std::string& cert_file, const std::string& key_flag,
                     const std::string& key_file) {
  if (key_file.empty()) return Status::invalid(cert_flag + " needs " + key_flag);
  if (cert_file.empty()) return Status::invalid(key_flag + " needs " + cert_flag);
  CLUSTERCTL_RETURN_IF_ERROR(readable(cert_flag, cert_file));
  CLUSTERCTL_RETURN_IF_ERROR(check_secret_file_mode(key_flag, key_file));
  boost::system::error_code error;
  context.use_certificate_chain_file(cert_file, error);
  if (error) return unusable(cert_flag, cert_file, "PEM certificate", error);
  context.use_private_key_file(key_file, ssl::context::pem, error);
  bool mismatch = error && ERR_GET_LIB(error.value()) == ERR_LIB_X509 &&
                  ERR_GET_REASON(error.value()) == X509_R_KEY_VALUES_MISMATCH;
  if (error && !mismatch) return unusable(key_flag, key_file, "PEM private key", error);
  if (mismatch || SSL_CTX_check_private_key(context.native_handle()) != 1) {
    return Status::invalid(key_flag + " " + key_file + " is not the key of the certificate in " +
                           cert_flag + " " + cert_file);
  }
  return Status::ok();
}

Status load_ca(ssl::context& context, const std::string& ca_file) {
  CLUSTERCTL_RETURN_IF_ERROR(readable("--tls-ca", ca_file));
  boost::system::error_code error;
  context.load_verify_file(ca_file, error);
  if (error) return unusable("--tls-ca", ca_file, "PEM CA certificate", error);
  return Status::ok();
}

}  // namespace

StatusOr<TlsContextPtr> make_tls_server_context(const TlsServerOptions& options) {
  if (!options.enabled()) {
    if (options.required) return Status::invalid("--tls-required needs --tls-cert and --tls-key");
    if (options.verify_peer) {
      return Status::invalid("--tls-verify-peer needs --tls-cert, --tls-key and --tls-ca");
    }
    if (!options.key_file.empty()) return Status::invalid("--tls-key needs --tls-cert");
    return TlsContextPtr();
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(kContextOptions);
  CLUSTERCTL_RETURN_IF_ERROR(
      load_identity(*context, "--tls-cert", options.cert_file, "--tls-key", options.key_file));
  if (options.verify_peer && options.ca_file.empty()) {
    return Status::invalid(
        "--tls-verify-peer needs --tls-ca (the CA of the clients' certificates)");
  }
  if (!options.ca_file.empty()) CLUSTERCTL_RETURN_IF_ERROR(load_ca(*context, options.ca_file));
  context->set_verify_mode(options.verify_peer ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                               : ssl::verify_none);
  return context;
}

StatusOr<TlsContextPtr> make_tls_client_context(const TlsClientOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(kContextOptions);
  CLUSTERCTL_RETURN_IF_ERROR(load_ca(*context, options.ca_file));
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    CLUSTERCTL_RETURN_IF_ERROR(
        load_identity(*context, "--tls-cert", options.cert_file, "--tls-key", options.key_file));
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

}  // namespace clusterctl
