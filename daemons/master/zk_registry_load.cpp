// ZkRegistryStore::load: the registry's records read from ZooKeeper with
// pipelined reads (a window of gets in flight), its layout created when there
// is none yet.
#include <deque>
#include <memory>

#include "core/log.hpp"
#include "daemons/master/zk_registry_store.hpp"

namespace clusterctl {

namespace {

// Gets in flight at once: enough to keep the connection busy.
constexpr size_t kGetWindow = 1000;

class Loader : public std::enable_shared_from_this<Loader> {
 public:
  Loader(ZkClient& client, std::string base, ZkRegistryStore::Loaded done)
      : client_(client), base_(std::move(base)), done_(std::move(done)) {}

  void start() {
    client_.ensure_path(zk_registry_root(base_), [self = shared_from_this()](Status status) {
      if (!status) return self->fail(status);
      self->read_format();
    });
  }

 private:
  struct Record {
    RecordKind kind;
    std::string name;
    std::string path;
  };

  void read_format() {
    std::string path = zk_registry_format_path(base_);
    client_.get(path, [self = shared_from_this(), path](StatusOr<ZkNode> node) {
      if (node) {
        auto version = decode_format_record(node->data, path);
        if (!version) return self->fail(version.status());
        return self->list_records();
      }
      if (node.status().kind() != ErrorKind::kNotFound) return self->fail(node.status());
      self->create_layout_if_empty();
    });
  }

  // A registry node without children is new; one with children but no
  // format node is not ours to overwrite.
  void create_layout_if_empty() {
    std::string root = zk_registry_root(base_);
    client_.children(root, [self = shared_from_this(), root](auto names) {
      if (!names) return self->fail(names.status());
      if (!names->empty()) {
        return self->fail(Status::failed_precondition(
            root +
            " has no format node but has children: it is not a clusterctl registry, or "
            "it is damaged; move it away to start empty"));
      }
      self->create_layout();
    });
  }

  void create_layout() {
    std::vector<ZkOp> ops;
    for (const std::string& path : zk_registry_directories(base_)) {
      ops.push_back(ZkOp::create(path, ""));
    }
    ops.push_back(ZkOp::create(zk_registry_format_path(base_), encode_format_record()));
    client_.multi(std::move(ops), [self = shared_from_this()](Status status) {
      if (!status) return self->fail(status);
      LOG(kInfo) << "created an empty registry at " << zk_registry_root(self->base_);
      self->finish();
    });
  }

  void list_records() {
    std::string agents = zk_registry_root(base_) + "/agents";
    for (const std::string& path : zk_registry_directories(base_)) {
      if (path == agents) continue;  // holds the buckets
      RecordKind kind = path.starts_with(agents)        ? RecordKind::kAgent
                        : path.ends_with("/frameworks") ? RecordKind::kFramework
                        : path.ends_with("/quotas")     ? RecordKind::kQuota
                                                        : RecordKind::kWeight;
      list_directory(path, kind);
    }
  }

  void list_directory(const std::string& path, RecordKind kind) {
    ++listing_;
    client_.children(path, [self = shared_from_this(), path, kind](auto names) {
      if (!names) {
        if (names.status().kind() != ErrorKind::kNotFound) return self->fail(names.status());
        // A directory someone removed holds no records; the next write needs it.
        return self->client_.ensure_path(path, [self](Status status) {
          --self->listing_;
          if (!status) return self->fail(status);
          self->pump();
        });
      }
      --self->listing_;
      for (std::string& name : *names) {
        self->queue_.push_back(Record{kind, name, path + "/" + name});
      }
      self->pump();
    });
  }

  void pump() {
    while (!failed_ && in_flight_ < kGetWindow && !queue_.empty()) {
      auto record = std::make_shared<Record>(std::move(queue_.front()));
      queue_.pop_front();
      ++in_flight_;
      client_.get(record->path, [self = shared_from_this(), record](StatusOr<ZkNode> node) {
        --self->in_flight_;
        self->add(*record, node);
        self->pump();
      });
    }
    if (listing_ == 0 && in_flight_ == 0 && queue_.empty()) finish();
  }

  void add(const Record& record, const StatusOr<ZkNode>& node) {
    if (!node) {
      // Removed since it was listed: it is no longer part of the registry.
      if (node.status().kind() != ErrorKind::kNotFound) fail(node.status());
      return;
    }
    Status added = decode_record_into(record.kind, record.name, node->data, record.path, state_);
    if (!added) fail(added);
  }

  void fail(const Status& status) {
    if (failed_ || finished_) return;
    failed_ = true;
    done_(Status(status.kind(), "cannot load the registry at " + zk_registry_root(base_) + ": " +
                                    status.message()));
  }

  void finish() {
    if (failed_ || finished_) return;
    finished_ = true;
    state_.format_version = kRegistryFormatVersion;
    done_(std::move(state_));
  }

  ZkClient& client_;
  std::string base_;
  ZkRegistryStore::Loaded done_;
  RegistryState state_;
  std::deque<Record> queue_;
  size_t listing_ = 0;    // children() calls out
  size_t in_flight_ = 0;  // get() calls out
  bool failed_ = false;
  bool finished_ = false;
};

}  // namespace

void ZkRegistryStore::load(ZkClient& client, const std::string& base, Loaded done) {
  std::make_shared<Loader>(client, base, std::move(done))->start();
}

}  // namespace clusterctl
