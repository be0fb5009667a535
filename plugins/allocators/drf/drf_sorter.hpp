// The DRF sorter: the role tree ("eng/ml" under "eng"), each role with a
// weight, and clients (one framework in one role) under their role. At every
// role it keeps its active children and its own active clients ordered by
// weighted dominant share, so that walking in fair order costs only the
// steps taken, and an allocation moves just the client and its role's
// ancestors (O(depth x log n)), never a re-sort of everything.
//
// Shares: a client's dominant share is the largest fraction of any cluster
// total that it holds; a role's is that of everything its subtree holds,
// divided by the role's weight. Clients directly in a role that also has
// child roles compete with those children as one more child of weight 1.
// When the cluster totals change, every share changes: the order is rebuilt
// once, before the next walk.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugins/allocators/drf/quantities.hpp"

namespace clusterctl::drf {

using RoleId = uint32_t;
using ClientId = uint32_t;

class DrfSorter {
 public:
  // The root above the top-level roles ("*", "eng"); it has no clients.
  static constexpr RoleId kTop = 0;

  DrfSorter();

  // ---- Roles ----
  // The id of a role (a name validate_role accepts), creating it and its
  // ancestors the first time. Roles are never removed.
  RoleId add_role(std::string_view name);
  std::optional<RoleId> find_role(std::string_view name) const;
  const std::string& role_name(RoleId role) const { return roles_[role].name; }
  RoleId parent(RoleId role) const { return roles_[role].parent; }
  const std::vector<RoleId>& children(RoleId role) const { return roles_[role].children; }
  size_t role_count() const { return roles_.size(); }
  // Whether `ancestor` is `role` or one of its ancestors.
  bool includes(RoleId ancestor, RoleId role) const;
  void set_weight(RoleId role, double weight);
  double weight(RoleId role) const { return roles_[role].weight; }
  // What the role's subtree holds, and its weighted dominant share.
  const Quantities& role_allocated(RoleId role) const { return roles_[role].allocated; }
  double role_share(RoleId role) const;
  // Active clients in the role's subtree.
  uint32_t active_clients(RoleId role) const { return roles_[role].active_subtree; }

  // ---- Clients ----
  // A new client in `role`: inactive and holding nothing.
  ClientId add_client(RoleId role);
  // Forgets a client; what it still holds is taken off its roles.
  void remove_client(ClientId client);
  // Only active clients are walked (a suppressed framework is inactive).
  void activate(ClientId client);
  void deactivate(ClientId client);
  bool active(ClientId client) const { return clients_[client].active; }
  RoleId client_role(ClientId client) const { return clients_[client].role; }
  const Quantities& allocated(ClientId client) const { return clients_[client].allocated; }
  double share(ClientId client) const;
  void allocate(ClientId client, const Quantities& quantities);
  // Takes back at most what the client holds.
  void unallocate(ClientId client, const Quantities& quantities);

  // The cluster's totals, against which shares are measured.
  void set_total(const Quantities& total);
  const Quantities& total() const { return total_; }

  // Visits the active clients in the subtree of `start` (kTop: all) in fair
  // order. Before the clients of each role it calls enter(role): false skips
  // them. Then visit(client) for each, until one returns true, which ends the
  // walk. Returns whether one did. The callbacks must not change the sorter.
  template <typename Enter, typename Visit>
  bool walk(RoleId start, Enter&& enter, Visit&& visit) {
    refresh();
    return walk_from(start, enter, visit);
  }

 private:
  struct Key {
    double share = 0;
    uint32_t id = 0;
    bool operator<(const Key& other) const {
      return share < other.share || (share == other.share && id < other.id);
    }
  };
  // The id of a role's own clients in its order, after children of equal share.
  static constexpr uint32_t kOwnClients = UINT32_MAX;

  struct Role {
    std::string name;
    RoleId parent = kTop;
    uint32_t depth = 0;
    double weight = 1;
    std::vector<RoleId> children;
    Quantities own_allocated;  // by its own clients
    Quantities allocated;      // by its whole subtree
    Key key;                   // its entry in the parent's order
    Key own_key;               // its own clients' entry in its order
    uint32_t active_own = 0;
    uint32_t active_subtree = 0;
    std::set<Key> order;    // active children, and kOwnClients if active_own > 0
    std::set<Key> clients;  // its own active clients
  };
  struct Client {
    RoleId role = kTop;
    bool in_use = false;
    bool active = false;
    Quantities allocated;
    Key key;
  };

  template <typename Enter, typename Visit>
  bool walk_from(RoleId id, Enter& enter, Visit& visit) {
    const Role& role = roles_[id];
    for (const Key& entry : role.order) {
      if (entry.id == kOwnClients) {
        if (!enter(id)) continue;
        for (const Key& client : role.clients) {
          if (visit(client.id)) return true;
        }
      } else if (walk_from(entry.id, enter, visit)) {
        return true;
      }
    }
    return false;
  }

  double dominant(const Quantities& quantities) const;
  Key role_key(RoleId role) const;
  Key own_key(RoleId role) const;
  Key client_key(ClientId client) const;
  // Recomputes an entry's key and moves it within its set.
  void reposition_client(ClientId client);
  void reposition_own(RoleId role);
  void reposition_role(RoleId role);
  void change(ClientId client, const Quantities& quantities, bool add);
  // Rebuilds every key and set if the totals changed since the last walk.
  void refresh();

  std::vector<Role> roles_;
  std::unordered_map<std::string, RoleId> role_ids_;
  std::vector<Client> clients_;
  std::vector<ClientId> free_clients_;
  Quantities total_;
  std::vector<double> inverse_total_;
  bool stale_ = false;
};

}  // namespace clusterctl::drf
