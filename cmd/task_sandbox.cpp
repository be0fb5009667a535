#include "cmd/task_sandbox.hpp"

#include <curl/curl.h>

#include <msgpack.hpp>

#include "cmd/flags.hpp"
#include "core/auth/client_authentication.hpp"
#include "core/http/http.hpp"
#include "core/rpc/blocking_client.hpp"
#include "core/task_state.hpp"
#include "core/views.hpp"

namespace clusterctl::cmd {

namespace {

struct AgentState {
  std::string id;
  std::string sandbox_root;
  MSGPACK_DEFINE_MAP(id, sandbox_root);
};

struct ReadAnswer {
  int64_t offset = 0;
  int64_t size = 0;
  std::string data;
  MSGPACK_DEFINE_MAP(offset, size, data);
};

struct BrowseEntry {
  std::string name;
  std::string type;
  int64_t size = 0;
  double mtime = 0;
  uint32_t mode = 0;
  MSGPACK_DEFINE_MAP(name, type, size, mtime, mode);
};

struct BrowseAnswer {
  std::vector<BrowseEntry> entries;
  MSGPACK_DEFINE_MAP(entries);
};

struct ErrorAnswer {
  std::string error;
  MSGPACK_DEFINE_MAP(error);
};

size_t append(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

std::string escape(const std::string& text) {
  std::string out;
  char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  if (escaped != nullptr) {
    out = escaped;
    curl_free(escaped);
  }
  return out;
}

// GET http://ADDRESS/TARGET (https:// with --tls-ca) asking for msgpack; the
// answer converted to T.
template <typename T>
StatusOr<T> agent_get(const std::string& address, const std::string& target, Duration timeout) {
  // HTTP Basic for agents started with --authenticate-http: the client's
  // credential (--principal/--secret-file, or CLUSTERCTL_PRINCIPAL and
  // CLUSTERCTL_SECRET_FILE).
  auto given = client_credential("", "");
  if (!given) return given.status();
  Credential credential = given->value_or(Credential{});
  const Credential* credentials = &credential;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::internal("cannot start libcurl");
  if (!credentials->principal.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, credentials->principal.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, credentials->secret.c_str());
  }
  const TlsClientOptions& tls = client_tls();
  std::string url = (tls.enabled() ? "https://" : "http://") + address + target;
  if (tls.enabled()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (tls.enabled() && !tls.cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.key_file.c_str());
  }
  std::string body;
  std::string accept = std::string("Accept: ") + kMsgpackContentType;
  struct curl_slist* headers = curl_slist_append(nullptr, accept.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return Status::unavailable("cannot reach the task's agent at " + address + ": " +
                               curl_easy_strerror(code));
  }
  if (status == 401) {
    return Status::unauthenticated(
        "the agent at " + address + " needs HTTP Basic authentication" +
        (credentials->principal.empty()
             ? ": set CLUSTERCTL_PRINCIPAL and CLUSTERCTL_SECRET_FILE"
             : " and refused principal '" + credentials->principal + "' with this secret"));
  }
  try {
    msgpack::object_handle handle = msgpack::unpack(body.data(), body.size());
    if (status != 200) {
      ErrorAnswer answer;
      handle.get().convert(answer);
      return Status(status == 404   ? ErrorKind::kNotFound
                    : status == 403 ? ErrorKind::kPermissionDenied
                                    : ErrorKind::kInvalidArgument,
                    answer.error);
    }
    T value;
    handle.get().convert(value);
    return value;
  } catch (const std::exception&) {
    if (status != 200) {
      return Status(status == 404 ? ErrorKind::kNotFound : ErrorKind::kInvalidArgument,
                    "the agent at " + address + " answered HTTP " + std::to_string(status));
    }
    return Status::protocol("the agent at " + address + " sent an answer that is not msgpack");
  }
}

StatusOr<RpcValue> ask_master(const std::string& master, const std::string& method,
                              Duration timeout) {
  // The principal comes from $CLUSTERCTL_PRINCIPAL / $CLUSTERCTL_SECRET_FILE.
  auto credential = client_credential("", "");
  if (!credential) return credential.status();
  auto client = BlockingRpcClient::connect(master, timeout, *credential, client_tls());
  if (!client && client.status().kind() == ErrorKind::kUnauthenticated) return client.status();
  if (!client) {
    return Status::unavailable("cannot reach master at " + master_label(master) + ": " +
                               connect_error_reason(client.status()) +
                               " (is it running? set --master or CLUSTERCTL_MASTER)");
  }
  return client->call(method, empty_payload(), timeout);
}

StatusOr<TaskView> find_task(const std::string& master, const std::string& task_id,
                             Duration timeout) {
  auto reply = ask_master(master, "state.tasks", timeout);
  if (!reply) return reply.status();
  auto tasks = reply->as<TasksReply>("state.tasks reply");
  if (!tasks) return tasks.status();
  const TaskView* exact = nullptr;
  std::vector<const TaskView*> prefixed;
  for (const TaskView& task : tasks->tasks) {
    if (task.id == task_id) exact = &task;  // the newest wins: completed ones come last
    if (task.id.rfind(task_id, 0) == 0) prefixed.push_back(&task);
  }
  if (exact != nullptr) return *exact;
  if (prefixed.size() == 1) return *prefixed.front();
  if (prefixed.size() > 1) {
    return Status::invalid("'" + task_id + "' matches " + std::to_string(prefixed.size()) +
                           " tasks; give more of the id");
  }
  return Status::not_found("no task '" + task_id + "' on the master at " + master_label(master) +
                           " (see 'clusterctl tasks'; finished tasks are kept for a while)");
}

}  // namespace

Status check_sandbox_path(const std::string& relative) {
  if (!relative.empty() && relative.front() == '/') {
    return Status::invalid("'" + relative + "' must be a path inside the sandbox, not absolute");
  }
  size_t start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string::npos) slash = relative.size();
    if (relative.compare(start, slash - start, "..") == 0 && slash - start == 2) {
      return Status::invalid("'" + relative + "' leaves the sandbox");
    }
    start = slash + 1;
  }
  return Status::ok();
}

StatusOr<TaskSandbox> find_task_sandbox(const std::string& master, const std::string& task_id,
                                        Duration timeout) {
  auto task = find_task(master, task_id, timeout);
  if (!task) return task.status();
  auto reply = ask_master(master, "state.agents", timeout);
  if (!reply) return reply.status();
  auto agents = reply->as<AgentsReply>("state.agents reply");
  if (!agents) return agents.status();
  TaskSandbox sandbox;
  sandbox.task_id = task->id;
  sandbox.framework_id = task->framework_id;
  for (const AgentView& agent : agents->agents) {
    if (agent.id == task->agent_id) sandbox.agent_address = agent.address;
  }
  if (sandbox.agent_address.empty()) {
    return Status::not_found("the agent of task " + task->id + " (" + task->agent_id +
                             ") is no longer known to the master");
  }
  auto state = agent_get<AgentState>(sandbox.agent_address, "/state", timeout);
  if (!state) return state.status();
  sandbox.dir = state->sandbox_root + "/" + task->agent_id + "/frameworks/" + task->framework_id +
                "/executors/" + task->executor_id + "/runs/latest";
  return sandbox;
}

StatusOr<bool> task_has_ended(const std::string& master, const TaskSandbox& sandbox,
                              Duration timeout) {
  auto task = find_task(master, sandbox.task_id, timeout);
  if (!task) return task.status();
  return is_terminal(task->state);
}

StatusOr<FileChunk> read_sandbox_file(const TaskSandbox& sandbox, const std::string& relative,
                                      int64_t offset, int64_t length, Duration timeout) {
  std::string path = sandbox.dir + (relative.empty() ? "" : "/" + relative);
  auto answer = agent_get<ReadAnswer>(sandbox.agent_address,
                                      "/files/read?path=" + escape(path) +
                                          "&offset=" + std::to_string(offset) +
                                          "&length=" + std::to_string(length),
                                      timeout);
  if (!answer) return answer.status();
  return FileChunk{answer->offset, answer->size, std::move(answer->data)};
}

StatusOr<std::vector<SandboxEntry>> list_sandbox(const TaskSandbox& sandbox,
                                                 const std::string& relative, Duration timeout) {
  std::string path = sandbox.dir + (relative.empty() ? "" : "/" + relative);
  auto answer =
      agent_get<BrowseAnswer>(sandbox.agent_address, "/files/browse?path=" + escape(path), timeout);
  if (!answer) return answer.status();
  std::vector<SandboxEntry> entries;
  for (const BrowseEntry& entry : answer->entries) {
    entries.push_back({entry.name, entry.type, entry.size, entry.mtime, entry.mode});
  }
  return entries;
}

}  // namespace clusterctl::cmd
