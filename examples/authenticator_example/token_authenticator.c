/* authn_example_token.so: the smallest authenticator, written in C against
 * the installed <clusterctl/authenticator.h> only. Its mechanism,
 * "X-EXAMPLE-TOKEN", takes one message from the client, PRINCIPAL NUL SECRET,
 * and compares the secret with the one the host's lookup callback gives
 * (in constant time). It shows the shape of the ABI, not good practice: the
 * secret travels as is, so use it only where the connection is private.
 * Being C, it cannot throw; a C++ plugin must catch every exception in each
 * function it exports. */
#include <clusterctl/authenticator.h>

#include <stdlib.h>
#include <string.h>

#define MECHANISM "X-EXAMPLE-TOKEN"

struct session {
  char principal[256];
  int done;
};

struct buffer {
  char data[1024];
  size_t size;
  int overflow;
};

static void copy_error(char* error, size_t error_size, const char* message) {
  if (error_size == 0) return;
  strncpy(error, message, error_size - 1);
  error[error_size - 1] = '\0';
}

static void collect(void* context, const char* data, size_t size) {
  struct buffer* buffer = context;
  if (buffer->size + size > sizeof(buffer->data)) {
    buffer->overflow = 1;
    return;
  }
  memcpy(buffer->data + buffer->size, data, size);
  buffer->size += size;
}

static int same(const char* a, size_t a_size, const char* b, size_t b_size) {
  unsigned char differ = (unsigned char)(a_size != b_size);
  size_t i;
  for (i = 0; i < a_size && i < b_size; ++i) differ |= (unsigned char)(a[i] ^ b[i]);
  return differ == 0;
}

static void* create(const char* config, size_t config_size, char* error, size_t error_size) {
  static int instance;
  (void)config;
  (void)config_size;
  (void)error;
  (void)error_size;
  return &instance; /* no state: every session carries its own */
}

static void destroy(void* instance) {
  (void)instance;
}

static const char* mechanism(void* instance) {
  (void)instance;
  return MECHANISM;
}

static int server_start(void* instance, const char* mech, const char* claimed, const char* data,
                        size_t data_size, clusterctl_secret_lookup_fn lookup, void* lookup_context,
                        void** session_out, clusterctl_write_fn write, void* write_context,
                        char* error, size_t error_size) {
  struct session* session;
  struct buffer secret = {{0}, 0, 0};
  const char* nul = memchr(data, '\0', data_size);
  size_t name_size;
  (void)instance;
  (void)claimed;
  (void)write;
  (void)write_context;
  *session_out = NULL;
  if (strcmp(mech, MECHANISM) != 0) {
    copy_error(error, error_size, "example authenticator: unknown mechanism");
    return CLUSTERCTL_AUTHN_FAILED;
  }
  if (nul == NULL || (name_size = (size_t)(nul - data)) == 0 || name_size >= 256) {
    copy_error(error, error_size, "example authenticator: expected PRINCIPAL NUL SECRET");
    return CLUSTERCTL_AUTHN_FAILED;
  }
  if (lookup(lookup_context, data, name_size, collect, &secret) != 0 || secret.overflow ||
      !same(nul + 1, data_size - name_size - 1, secret.data, secret.size)) {
    copy_error(error, error_size, "example authenticator: wrong principal or secret");
    return CLUSTERCTL_AUTHN_FAILED;
  }
  session = calloc(1, sizeof(*session));
  if (session == NULL) {
    copy_error(error, error_size, "example authenticator: out of memory");
    return CLUSTERCTL_AUTHN_FAILED;
  }
  memcpy(session->principal, data, name_size);
  session->done = 1;
  *session_out = session;
  return CLUSTERCTL_AUTHN_DONE;
}

static int server_step(void* session, const char* data, size_t data_size, clusterctl_write_fn write,
                       void* write_context, char* error, size_t error_size) {
  (void)session;
  (void)data;
  (void)data_size;
  (void)write;
  (void)write_context;
  copy_error(error, error_size, "example authenticator: the exchange has one message");
  return CLUSTERCTL_AUTHN_FAILED;
}

static int server_principal(void* opaque, clusterctl_write_fn write, void* write_context) {
  struct session* session = opaque;
  if (session == NULL || !session->done) return 1;
  write(write_context, session->principal, strlen(session->principal));
  return 0;
}

static void server_end(void* session) {
  free(session);
}

/* The client side sends PRINCIPAL NUL SECRET and is done. */
static int client_start(void* instance, const char* mech, const char* principal, const char* secret,
                        size_t secret_size, void** session, clusterctl_write_fn write,
                        void* write_context, char* error, size_t error_size) {
  (void)instance;
  *session = NULL;
  if (strcmp(mech, MECHANISM) != 0) {
    copy_error(error, error_size, "example authenticator: unknown mechanism");
    return CLUSTERCTL_AUTHN_FAILED;
  }
  write(write_context, principal, strlen(principal) + 1); /* with its NUL */
  write(write_context, secret, secret_size);
  return CLUSTERCTL_AUTHN_CHALLENGE;
}

static int client_step(void* session, const char* data, size_t data_size, clusterctl_write_fn write,
                       void* write_context, char* error, size_t error_size) {
  (void)session;
  (void)data;
  (void)data_size;
  (void)write;
  (void)write_context;
  (void)error;
  (void)error_size;
  return CLUSTERCTL_AUTHN_DONE;
}

static void client_end(void* session) {
  (void)session;
}

static const clusterctl_authenticator_functions functions = {
    sizeof(clusterctl_authenticator_functions),
    mechanism,
    server_start,
    server_step,
    server_principal,
    server_end,
    client_start,
    client_step,
    client_end};

static const clusterctl_plugin_descriptor descriptor = {
    CLUSTERCTL_PLUGIN_ABI_VERSION,
    sizeof(clusterctl_plugin_descriptor),
    CLUSTERCTL_PLUGIN_AUTHENTICATOR,
    "example_token",
    "1.0.0",
    "X-EXAMPLE-TOKEN: principal and secret in one message (an example, not for real use)",
    create,
    destroy,
    &functions};

CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry(void) {
  return &descriptor;
}
