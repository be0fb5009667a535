#include "daemons/master/ha_master.hpp"

#include <unistd.h>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/zk/master_detector.hpp"
#include "daemons/master/leader_contender.hpp"
#include "daemons/master/master_impl.hpp"
#include "daemons/master/zk_registry_store.hpp"

namespace clusterctl {

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

class HaMaster : public Master {
 public:
  HaMaster(asio::io_context& io, MasterOptions options, ZkAddress zk,
           std::unique_ptr<Allocator> allocator)
      : io_(io),
        options_(std::move(options)),
        zk_address_(std::move(zk)),
        allocator_(std::move(allocator)) {}

  ~HaMaster() override { stop(); }

  Status start() {
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr&, const RpcMessage&,
                                 RpcResponder responder) { responder.fail(standby_error()); };
    handlers.on_http = [this](const HttpRequest& request) { return standby_http(request); };
    RpcServerOptions server_options = options_.server;
    server_options.server_name = "clusterctl-master";
    auto server = rpc_listen(io_, options_.listen, std::move(handlers), server_options);
    if (!server) return server.status();
    standby_ = std::move(server).value();
    address_ = standby_->address();
    ZkClient::Options zk_options;
    zk_options.address = zk_address_;
    zk_options.session_timeout = options_.zk_session_timeout;
    zk_options.on_session = [this](ZkSessionEvent event) { on_session(event); };
    auto zk = ZkClient::start(io_, zk_options);
    if (!zk) return zk.status();
    zk_ = std::move(zk).value();
    detector_ = std::make_unique<MasterDetector>(
        *zk_, zk_address_.path,
        [this](const std::optional<MasterRecord>& leader) { leader_record_ = leader; });
    MasterRecord record{address_, CLUSTERCTL_VERSION, host_name(), ::getpid(), wall_seconds()};
    LeaderContender::Callbacks callbacks;
    callbacks.on_elected = [this](const std::string& member_path) { elected(member_path); };
    callbacks.on_lost = [this](const std::string& why) { demote(why); };
    contender_ = std::make_unique<LeaderContender>(io_, *zk_, zk_address_.path, std::move(record),
                                                   options_.quorum, std::move(callbacks));
    LOG(kWarning) << "master at " << address_ << " contends for leadership through "
                  << zk_address_.to_string() << " (--quorum " << options_.quorum
                  << "); it stands by until elected";
    return Status::ok();
  }

  std::string address() const override { return address_; }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (leader_) leader_->stop();
    if (standby_) standby_->stop();
  }

 private:
  void on_session(ZkSessionEvent event) {
    if (event == ZkSessionEvent::kConnected) {
      LOG(kInfo) << "ZooKeeper session connected (" << zk_address_.to_string() << ")";
    } else {
      LOG(kWarning) << "ZooKeeper session " << zk_session_event_name(event) << " ("
                    << zk_address_.to_string() << ")";
    }
    if (!contender_) return;
    if (event == ZkSessionEvent::kConnected) {
      contender_->start();  // once; later connections only re-check
      detector_->resync();
    }
    contender_->session_event(event);
  }

  Status standby_error() const {
    std::string leader = leader_record_ ? leader_record_->address : "";
    if (leader == address_) leader.clear();  // elected, not serving yet
    return Status::not_leader(leader);
  }

  HttpResponse standby_http(const HttpRequest& request) const {
    HttpResponse response;
    std::string leader = leader_record_ ? leader_record_->address : "";
    if (request.path == "/health") {
      response.body = "{\"status\":\"standby\",\"leader\":" + json_quote(leader) +
                      ",\"election\":" + json_quote(contender_state_name(contender_->state())) +
                      "}";
    } else if (leader.empty() || leader == address_) {
      response.status = 503;
      response.body = "{\"error\":\"this master stands by and no leader is elected yet\"}";
    } else {
      response.status = 307;
      response.headers["Location"] = "http://" + leader + http_target(request);
      response.body = "{\"leader\":" + json_quote(leader) + "}";
    }
    return response;
  }

  void elected(const std::string& member_path) {
    LOG(kInfo) << "elected leader; reading the registry from ZooKeeper";
    ZkRegistryStore::load(*zk_, zk_address_.path,
                          [this, member_path](StatusOr<RegistryState> state) {
                            registry_loaded(std::move(state), member_path);
                          });
  }

  void registry_loaded(StatusOr<RegistryState> state, const std::string& member_path) {
    if (stopped_ || !contender_->may_lead()) return;  // demoted meanwhile
    if (!state) {
      demote("cannot read the registry: " + state.status().message());
      return;
    }
    auto store = std::make_unique<ZkRegistryStore>(*zk_, zk_address_.path, member_path);
    auto registry = Registry::with_store(io_, std::move(state).value(), std::move(store));
    standby_->stop();
    standby_.reset();
    MasterOptions leading = options_;
    leading.listen = address_;
    leading.check_leading = [this] {
      if (contender_->may_lead()) return Status::ok();
      asio::post(io_, [this] { demote("its leadership lease ran out"); });
      return Status::not_leader("");
    };
    auto master =
        start_leading_master(io_, std::move(leading), std::move(allocator_), std::move(registry));
    if (!master) {
      demote("cannot start leading: " + master.status().message());
      return;
    }
    leader_ = std::move(master).value();
    LOG(kInfo) << "leading at " << address_;
  }

  void demote(const std::string& why) {
    if (demoted_) return;
    demoted_ = true;
    LOG(kWarning) << "this master stops acting: " << why;
    stop();  // at once: not one more request is answered
    // The rest runs outside whichever callback brought the news.
    asio::post(io_, [this, why] {
      // Close the session now, so that its znode goes at once and another
      // master is elected without waiting for the session timeout.
      leader_.reset();
      contender_.reset();
      detector_.reset();
      zk_.reset();
      if (options_.on_demoted) options_.on_demoted(why);
    });
  }

  asio::io_context& io_;
  MasterOptions options_;
  ZkAddress zk_address_;
  std::unique_ptr<Allocator> allocator_;  // handed to the leading master
  std::unique_ptr<RpcServer> standby_;    // the port while standing by
  std::string address_;
  std::unique_ptr<ZkClient> zk_;
  std::unique_ptr<MasterDetector> detector_;
  std::unique_ptr<LeaderContender> contender_;
  std::unique_ptr<Master> leader_;  // once elected and recovered
  std::optional<MasterRecord> leader_record_;
  bool stopped_ = false;
  bool demoted_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<Master>> start_ha_master(asio::io_context& io, MasterOptions options,
                                                  std::unique_ptr<Allocator> allocator) {
  auto zk = parse_zk_address(options.zk);
  if (!zk) return Status::invalid("--zk: " + zk.status().message());
  if (options.quorum < 1) return Status::invalid("--quorum must be at least 1");
  if (options.zk_session_timeout.count() < 1000) {
    return Status::invalid("--zk-session-timeout must be at least 1s");
  }
  auto master = std::make_unique<HaMaster>(io, std::move(options), std::move(zk).value(),
                                           std::move(allocator));
  CLUSTERCTL_RETURN_IF_ERROR(master->start());
  return std::unique_ptr<Master>(std::move(master));
}

}  // namespace clusterctl
