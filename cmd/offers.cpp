// clusterctl offers: the offers outstanding at the master, and who holds them.
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/views.hpp"

namespace clusterctl::cmd {

namespace {

Table offers_table(const OffersReply& reply) {
  Table table({"id", "framework", "agent", "role", "resources", "age"});
  for (const OfferView& offer : reply.offers) {
    std::string resources = offer.resources.to_string();
    table.add_row({offer.id, offer.framework_id, offer.agent_id, offer.role,
                   resources.empty() ? "-" : resources, format_age(offer.age_seconds)});
  }
  return table;
}

}  // namespace

void setup_offers(CLI::App& app) {
  auto options = std::make_shared<OffersOptions>();
  add_list_flags(app, *options, "offers");
  set_run(app, options, &run_offers);
}

int run_offers(const OffersOptions& options) {
  return run_listing<OffersReply>("offers", "state.offers", options, offers_table);
}

}  // namespace clusterctl::cmd
