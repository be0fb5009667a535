#include "plugins/allocators/drf/drf_sorter.hpp"

#include <algorithm>

namespace clusterctl::drf {

DrfSorter::DrfSorter() {
  roles_.emplace_back();  // kTop
}

// ---- Roles ----

RoleId DrfSorter::add_role(std::string_view name) {
  auto found = role_ids_.find(std::string(name));
  if (found != role_ids_.end()) return found->second;
  size_t slash = name.rfind('/');
  RoleId parent = slash == std::string_view::npos ? kTop : add_role(name.substr(0, slash));
  RoleId id = static_cast<RoleId>(roles_.size());
  Role role;
  role.name = std::string(name);
  role.parent = parent;
  role.depth = roles_[parent].depth + 1;
  role.key = {0, id};
  role.own_key = {0, kOwnClients};
  roles_.push_back(std::move(role));
  roles_[parent].children.push_back(id);
  role_ids_.emplace(roles_[id].name, id);
  return id;
}

std::optional<RoleId> DrfSorter::find_role(std::string_view name) const {
  auto found = role_ids_.find(std::string(name));
  if (found == role_ids_.end()) return std::nullopt;
  return found->second;
}

bool DrfSorter::includes(RoleId ancestor, RoleId role) const {
  while (roles_[role].depth > roles_[ancestor].depth) role = roles_[role].parent;
  return role == ancestor;
}

void DrfSorter::set_weight(RoleId role, double weight) {
  if (role == kTop || weight <= 0) return;
  roles_[role].weight = weight;
  reposition_role(role);
}

double DrfSorter::role_share(RoleId role) const {
  return dominant(roles_[role].allocated) / roles_[role].weight;
}

// ---- Clients ----

ClientId DrfSorter::add_client(RoleId role) {
  ClientId id;
  if (free_clients_.empty()) {
    id = static_cast<ClientId>(clients_.size());
    clients_.emplace_back();
  } else {
    id = free_clients_.back();
    free_clients_.pop_back();
  }
  Client& client = clients_[id];
  client = Client();
  client.role = role;
  client.in_use = true;
  client.key = {0, id};
  return id;
}

void DrfSorter::remove_client(ClientId id) {
  deactivate(id);
  Quantities held = clients_[id].allocated;
  change(id, held, false);
  clients_[id].in_use = false;
  free_clients_.push_back(id);
}

void DrfSorter::activate(ClientId id) {
  Client& client = clients_[id];
  if (client.active) return;
  client.active = true;
  Role& role = roles_[client.role];
  client.key = client_key(id);
  role.clients.insert(client.key);
  if (role.active_own++ == 0) {
    role.own_key = own_key(client.role);
    role.order.insert(role.own_key);
  }
  for (RoleId r = client.role; r != kTop; r = roles_[r].parent) {
    if (roles_[r].active_subtree++ == 0) {
      roles_[r].key = role_key(r);
      roles_[roles_[r].parent].order.insert(roles_[r].key);
    }
  }
  roles_[kTop].active_subtree++;
}

void DrfSorter::deactivate(ClientId id) {
  Client& client = clients_[id];
  if (!client.active) return;
  client.active = false;
  Role& role = roles_[client.role];
  role.clients.erase(client.key);
  if (--role.active_own == 0) role.order.erase(role.own_key);
  for (RoleId r = client.role; r != kTop; r = roles_[r].parent) {
    if (--roles_[r].active_subtree == 0) roles_[roles_[r].parent].order.erase(roles_[r].key);
  }
  roles_[kTop].active_subtree--;
}

double DrfSorter::share(ClientId client) const {
  return dominant(clients_[client].allocated);
}

void DrfSorter::allocate(ClientId client, const Quantities& quantities) {
  change(client, quantities, true);
}

void DrfSorter::unallocate(ClientId client, const Quantities& quantities) {
  Quantities taken;
  const Quantities& held = clients_[client].allocated;
  for (NameId name = 0; name < quantities.size(); ++name) {
    taken.set(name, std::min(quantities.get(name), held.get(name)));
  }
  change(client, taken, false);
}

void DrfSorter::change(ClientId id, const Quantities& quantities, bool add) {
  auto apply = [&](Quantities& target) {
    if (add) {
      target += quantities;
    } else {
      target -= quantities;
    }
  };
  apply(clients_[id].allocated);
  reposition_client(id);
  RoleId role = clients_[id].role;
  apply(roles_[role].own_allocated);
  reposition_own(role);
  for (RoleId r = role; r != kTop; r = roles_[r].parent) {
    apply(roles_[r].allocated);
    reposition_role(r);
  }
  apply(roles_[kTop].allocated);
}

void DrfSorter::set_total(const Quantities& total) {
  total_ = total;
  inverse_total_.assign(total.size(), 0);
  for (NameId name = 0; name < total.size(); ++name) {
    int64_t millis = total.get(name);
    inverse_total_[name] = millis > 0 ? 1.0 / static_cast<double>(millis) : 0;
  }
  stale_ = true;
}

// ---- Keys and order ----

double DrfSorter::dominant(const Quantities& quantities) const {
  double share = 0;
  size_t names = std::min(quantities.size(), inverse_total_.size());
  for (NameId name = 0; name < names; ++name) {
    share = std::max(share, static_cast<double>(quantities.get(name)) * inverse_total_[name]);
  }
  return share;
}

DrfSorter::Key DrfSorter::role_key(RoleId role) const {
  return {dominant(roles_[role].allocated) / roles_[role].weight, role};
}

DrfSorter::Key DrfSorter::own_key(RoleId role) const {
  return {dominant(roles_[role].own_allocated), kOwnClients};
}

DrfSorter::Key DrfSorter::client_key(ClientId client) const {
  return {dominant(clients_[client].allocated), client};
}

// While stale, keys wait for refresh(); an inactive entry is in no set.
void DrfSorter::reposition_client(ClientId id) {
  Client& client = clients_[id];
  if (stale_ || !client.active) return;
  auto& set = roles_[client.role].clients;
  set.erase(client.key);
  client.key = client_key(id);
  set.insert(client.key);
}

void DrfSorter::reposition_own(RoleId id) {
  Role& role = roles_[id];
  if (stale_ || role.active_own == 0) return;
  role.order.erase(role.own_key);
  role.own_key = own_key(id);
  role.order.insert(role.own_key);
}

void DrfSorter::reposition_role(RoleId id) {
  Role& role = roles_[id];
  if (stale_ || id == kTop || role.active_subtree == 0) return;
  auto& set = roles_[role.parent].order;
  set.erase(role.key);
  role.key = role_key(id);
  set.insert(role.key);
}

void DrfSorter::refresh() {
  if (!stale_) return;
  stale_ = false;
  for (Role& role : roles_) {
    role.order.clear();
    role.clients.clear();
  }
  for (ClientId id = 0; id < clients_.size(); ++id) {
    Client& client = clients_[id];
    if (!client.in_use || !client.active) continue;
    client.key = client_key(id);
    roles_[client.role].clients.insert(client.key);
  }
  for (RoleId id = 0; id < roles_.size(); ++id) {
    Role& role = roles_[id];
    if (role.active_own > 0) {
      role.own_key = own_key(id);
      role.order.insert(role.own_key);
    }
    if (id != kTop && role.active_subtree > 0) {
      role.key = role_key(id);
      roles_[role.parent].order.insert(role.key);
    }
  }
}

}  // namespace clusterctl::drf
