#include "daemons/master/offer_operations.hpp"

namespace clusterctl {

Status check_reservation(const Resources& resources) {
  if (resources.empty()) {
    return Status::invalid("no resources given; write them with a role, e.g. cpus(analytics):1");
  }
  for (const Resource& resource : resources.items()) {
    if (resource.role == "*") {
      return Status::invalid("'" + resource.to_string() + "' names no role; write e.g. " +
                             resource.name + "(analytics)");
    }
  }
  return Status::ok();
}

namespace {

Status check_operation(const OfferOperation& operation, const std::string& role) {
  if (operation.type != "reserve" && operation.type != "unreserve") {
    return Status::invalid("unknown operation '" + operation.type + "': use reserve or unreserve");
  }
  CLUSTERCTL_RETURN_IF_ERROR(check_reservation(operation.resources));
  for (const Resource& resource : operation.resources.items()) {
    if (resource.role != role) {
      return Status::invalid("a framework holding an offer in role " + role +
                             " can reserve and unreserve only for " + role + ", not '" +
                             resource.to_string() + "'");
    }
  }
  return Status::ok();
}

}  // namespace

StatusOr<ConvertedOffer> apply_offer_operations(const Resources& offered, const std::string& role,
                                                const Resources& dynamic,
                                                const std::vector<OfferOperation>& operations) {
  ConvertedOffer result{offered, {}, {}};
  for (const OfferOperation& operation : operations) {
    CLUSTERCTL_RETURN_IF_ERROR(check_operation(operation, role));
    const Resources& named = operation.resources;
    Resources plain = named.with_role("*");
    if (operation.type == "reserve") {
      if (!result.resources.contains(plain)) {
        return Status::invalid("cannot reserve " + named.to_string() + ": the offers hold only " +
                               result.resources.to_string());
      }
      result.resources = result.resources - plain + named;
      result.reserved += named;
    } else {
      Resources reservable = dynamic + result.reserved - result.unreserved;
      if (!result.resources.contains(named) || !reservable.contains(named)) {
        return Status::invalid("cannot unreserve " + named.to_string() +
                               ": the offers hold no such dynamic reservation");
      }
      result.resources = result.resources - named + plain;
      result.unreserved += named;
    }
  }
  return result;
}

}  // namespace clusterctl
