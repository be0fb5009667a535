/* The authenticator plugin kind: proves who the peer of a connection is (a
 * SASL-style challenge-response exchange) on the server side, and answers
 * such an exchange with a principal and its secret on the client side. See
 * plugin.h for the rules at the boundary (C types only, errors as a non-zero
 * return with a message, no exceptions).
 *
 * The master loads one plugin per entry of --authenticators ("crammd5" is
 * <plugin dir>/authn_crammd5.so; a path is taken as is); clients load the
 * one for the mechanism the master offers. create() gets a msgpack map of
 * options; keys the plugin does not know must be ignored:
 *   role    "server" or "client": the side this instance will serve (an
 *           instance may refuse the other side's functions)
 *
 * The exchange, one per connection (docs/PROTOCOL.md, "Authentication"):
 *   client_start -> initial data (maybe empty)   --auth.start-->  server_start
 *   server answers CHALLENGE with data           <--------------
 *   client_step(challenge) -> response           --auth.step--->  server_step
 *   ... until the server answers DONE (maybe with final data, which the
 *   client passes to client_step to verify the server) or FAILED.
 *
 * Secrets: the server never reads files or system databases for them. It
 * asks the host through the lookup callback given to server_start, which
 * stays valid until server_end; the callback may be called during
 * server_start and every server_step.
 *
 * Sessions belong to their instance; the host calls an instance and its
 * sessions from one thread at a time, and ends every session it started
 * before destroying the instance.
 */
#ifndef CLUSTERCTL_AUTHENTICATOR_H_
#define CLUSTERCTL_AUTHENTICATOR_H_

#include "clusterctl/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What start and step functions return. */
enum clusterctl_authn_result {
  CLUSTERCTL_AUTHN_DONE = 0,      /* authenticated (server) / exchange complete (client) */
  CLUSTERCTL_AUTHN_CHALLENGE = 1, /* output written; the other side must answer */
  CLUSTERCTL_AUTHN_FAILED = 2     /* refused or broken; the reason is in error */
};

/* The host's answer to "what is the secret of this principal?": 0 with the
 * secret written through write (bytes, not NUL-terminated), or non-zero
 * when the principal has no secret (unknown). */
typedef int (*clusterctl_secret_lookup_fn)(void* lookup_context, const char* principal,
                                           size_t principal_size, clusterctl_write_fn write,
                                           void* write_context);

/* Every function is required (the host refuses a plugin with one NULL). */
typedef struct clusterctl_authenticator_functions {
  /* sizeof(clusterctl_authenticator_functions) as the plugin was built. */
  uint32_t struct_size;
  /* The SASL mechanism name this plugin speaks ("CRAM-MD5"); a static string. */
  const char* (*mechanism)(void* instance);

  /* Server side. Starts a session for `mechanism` with the principal the
   * client claims (informative: the mechanism's own exchange decides) and
   * the client's initial data. Sets *session (also on FAILED, so that the
   * host ends it; it may be NULL then), writes a challenge or final data
   * through write. */
  int (*server_start)(void* instance, const char* mechanism, const char* principal,
                      const char* data, size_t data_size, clusterctl_secret_lookup_fn lookup,
                      void* lookup_context, void** session, clusterctl_write_fn write,
                      void* write_context, char* error, size_t error_size);
  int (*server_step)(void* session, const char* data, size_t data_size, clusterctl_write_fn write,
                     void* write_context, char* error, size_t error_size);
  /* After DONE: writes the principal the session proved (no NUL). 0 on success. */
  int (*server_principal)(void* session, clusterctl_write_fn write, void* write_context);
  void (*server_end)(void* session);

  /* Client side. Starts a session as `principal` with its secret (bytes);
   * writes the initial data (maybe nothing). */
  int (*client_start)(void* instance, const char* mechanism, const char* principal,
                      const char* secret, size_t secret_size, void** session,
                      clusterctl_write_fn write, void* write_context, char* error,
                      size_t error_size);
  /* Answers the server's data: CHALLENGE with a response to send, DONE
   * when the data was the server's final word and checks out. */
  int (*client_step)(void* session, const char* data, size_t data_size, clusterctl_write_fn write,
                     void* write_context, char* error, size_t error_size);
  void (*client_end)(void* session);
} clusterctl_authenticator_functions;

#ifdef __cplusplus
}
#endif

#endif /* CLUSTERCTL_AUTHENTICATOR_H_ */
