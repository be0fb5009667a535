# Throwaway certificates for the TLS tests, made with the openssl tool in
# TEST_DIR/tls: a CA, a certificate it signs for 127.0.0.1 (an IP SAN; server
# and client use), and an unrelated CA that signed nothing of ours.

# make_tls_files: TLS_DIR with ca.pem, server.pem, server.key (mode 600) and
# other-ca.pem.
make_tls_files() {
  TLS_DIR=$TEST_DIR/tls
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR" || exit 1
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=clusterctl test CA"
    openssl req -x509 "${ec[@]}" -keyout other-ca.key -out other-ca.pem -days 2 \
      -subj "/CN=some other CA"
    openssl req "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
    printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE" \
      "extendedKeyUsage=serverAuth,clientAuth" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.pem
    chmod 600 server.key ca.key other-ca.key
  ) >"$TEST_DIR/openssl.log" 2>&1
}

# The daemon flags for TLS with the test's certificate ("--tls-required" and
# others may follow).
tls_flags() {
  echo --tls-cert "$TLS_DIR/server.pem" --tls-key "$TLS_DIR/server.key" --tls-ca "$TLS_DIR/ca.pem"
}
