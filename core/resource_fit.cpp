#include "core/resource_fit.hpp"

#include <algorithm>
#include <vector>

namespace clusterctl {

namespace {

// The roles an unqualified entry may come from, best first: the framework's
// own reservations, its ancestors' (longest role first), then unreserved.
std::vector<const Resource*> candidates(const Resources& available, const Resource& wanted) {
  std::vector<const Resource*> found;
  for (const Resource& resource : available.items()) {
    if (resource.name == wanted.name && resource.type == wanted.type) found.push_back(&resource);
  }
  std::stable_sort(found.begin(), found.end(), [](const Resource* a, const Resource* b) {
    bool a_reserved = a->role != "*";
    bool b_reserved = b->role != "*";
    if (a_reserved != b_reserved) return a_reserved;
    return a->role.size() > b->role.size();
  });
  return found;
}

Resources single(const Resource& resource) {
  Resources result;
  if (!result.add(resource).is_ok()) return Resources();
  return result;
}

// Takes `wanted` (no role) from `available`, adding what it took to `picked`.
bool take_unqualified(Resources& available, const Resource& wanted, Resources& picked) {
  if (wanted.type != Resource::Type::kScalar) {
    for (const Resource* candidate : candidates(available, wanted)) {
      Resource piece = wanted;
      piece.role = candidate->role;
      Resources one = single(piece);
      if (!available.contains(one)) continue;
      available -= one;
      picked += one;
      return true;
    }
    return false;
  }
  int64_t missing = wanted.scalar_millis;
  std::vector<Resource> pieces;
  for (const Resource* candidate : candidates(available, wanted)) {
    if (missing == 0) break;
    Resource piece = wanted;
    piece.role = candidate->role;
    piece.scalar_millis = std::min(missing, candidate->scalar_millis);
    missing -= piece.scalar_millis;
    pieces.push_back(piece);
  }
  if (missing > 0) return false;
  for (const Resource& piece : pieces) {
    Resources one = single(piece);
    available -= one;
    picked += one;
  }
  return true;
}

}  // namespace

std::optional<Resources> pick_resources(const Resources& offered, const Resources& wanted,
                                        const std::string& role) {
  Resources available = offered.allocatable_to(role);
  Resources picked;
  // Entries that name their role first, so that unqualified ones do not use
  // what a qualified entry needs.
  for (const Resource& entry : wanted.items()) {
    if (entry.role == "*") continue;
    Resources one = single(entry);
    if (!available.contains(one)) return std::nullopt;
    available -= one;
    picked += one;
  }
  for (const Resource& entry : wanted.items()) {
    if (entry.role != "*") continue;
    if (!take_unqualified(available, entry, picked)) return std::nullopt;
  }
  return picked;
}

}  // namespace clusterctl
